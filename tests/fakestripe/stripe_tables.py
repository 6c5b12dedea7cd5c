"""Stripe's own parameter tables, read from the installed stripe-python (generated from Stripe's
OpenAPI spec): for each API route, the request parameters Stripe accepts, nested, with the
values of each enum. The rule test compares every stand-in route against these."""

from __future__ import annotations

import importlib
import re
import sys
import typing
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NotRequired, Required

import stripe
from typing_extensions import is_typeddict

_METHOD = re.compile(
    r"    def (?P<name>\w+)\(\s*self,(?P<args>.*?)\) -> .*?self\._request\(\s*"
    r"\"(?P<verb>\w+)\",\s*\"(?P<path>/v1/[^\"]+)\"",
    re.S,
)
_PARAMS = re.compile(r"params: Optional\[\"(\w+)\"\]|params: \"(\w+)\"")
_IMPORT = re.compile(r"from (stripe\.params[\w.]*) import \(?\s*(\w+)")


@dataclass
class Node:
    """One parameter: nested ``children`` for a hash (or an array of hashes), enum ``values``,
    whether ``""`` (unset) is allowed, and whether it is a list."""

    children: dict[str, Node] = field(default_factory=dict)
    values: set[str] = field(default_factory=set)
    scalar: set[str] = field(default_factory=set)
    emptyable: bool = False
    array: bool = False


def normalize(path: str) -> str:
    """``/v1/subscriptions/{subscription}/pause`` and Flask's ``/v1/subscriptions/<sub_id>/pause``
    both become ``/v1/subscriptions/{}/pause``."""
    return re.sub(r"\{[^}]*\}|<[^>]*>", "{}", path)


@lru_cache(maxsize=1)
def routes() -> dict[tuple[str, str], str]:
    """(HTTP method, normalized path) -> the qualified name of its params TypedDict."""
    root = Path(stripe.__file__).parent
    found: dict[tuple[str, str], str] = {}
    for service in sorted(root.rglob("*_service.py")):
        source = service.read_text(encoding="utf-8")
        imports = {name: module for module, name in _IMPORT.findall(source)}
        for match in _METHOD.finditer(source):
            params = _PARAMS.search(match.group("args"))
            if params is None:
                continue
            name = params.group(1) or params.group(2)
            if name not in imports:
                continue
            key = (match.group("verb").upper(), normalize(match.group("path")))
            found.setdefault(key, f"{imports[name]}:{name}")
    return found


_OPTIONS = set(importlib.import_module("stripe._request_options").RequestOptions.__annotations__)


def _hints(cls: type) -> dict[str, Any]:
    """The TypedDict's own keys, evaluated in its module (request options left out)."""
    namespace = {**vars(typing), **vars(sys.modules[cls.__module__])}
    hints: dict[str, Any] = {}
    for key, annotation in cls.__annotations__.items():
        if key in _OPTIONS:
            continue
        hints[key] = _evaluate(annotation, namespace)
    return hints


def _evaluate(annotation: Any, namespace: dict[str, Any]) -> Any:
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        annotation = eval(annotation, namespace)  # noqa: S307 - stripe-python's own annotations
    origin = typing.get_origin(annotation)
    if origin is None or origin is typing.Literal:
        return annotation
    args = tuple(_evaluate(arg, namespace) for arg in typing.get_args(annotation))
    if origin in (NotRequired, Required):
        return args[0]
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return typing.Union[args]  # noqa: UP007 - built from a tuple of arguments
    if origin in (list, typing.List):  # noqa: UP006
        return typing.List[args[0]]  # noqa: UP006
    if origin in (dict, typing.Dict):  # noqa: UP006
        return typing.Dict[args]  # noqa: UP006
    return annotation


def _strip(annotation: Any) -> Any:
    while typing.get_origin(annotation) in (NotRequired, Required):
        annotation = typing.get_args(annotation)[0]
    return annotation


def _fill(node: Node, annotation: Any, depth: int = 0) -> None:
    annotation = _strip(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        for arg in typing.get_args(annotation):
            _fill(node, arg, depth)
        return
    if origin is typing.Literal:
        for value in typing.get_args(annotation):
            if value == "":
                node.emptyable = True
            else:
                node.values.add(str(value))
        return
    if origin in (list, typing.List):  # noqa: UP006
        node.array = True
        _fill(node, typing.get_args(annotation)[0], depth)
        return
    if origin in (dict, typing.Dict):  # noqa: UP006
        node.scalar.add("dict")
        return
    if isinstance(annotation, type) and is_typeddict(annotation):
        if depth > 12:
            return
        for key, sub in _hints(annotation).items():
            child = node.children.setdefault(key, Node())
            _fill(child, sub, depth + 1)
        return
    node.scalar.add(getattr(annotation, "__name__", str(annotation)))


@cache
def table(qualified: str) -> Node:
    module_name, _, cls_name = qualified.partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    node = Node()
    for key, annotation in _hints(cls).items():
        child = node.children.setdefault(key, Node())
        _fill(child, annotation, 1)
    return node


def for_route(method: str, rule: str) -> Node | None:
    qualified = routes().get((method, normalize(rule)))
    return table(qualified) if qualified else None
