"""Stripe's form encoding: ``a[b][c]=1``, ``items[0][price]=x``, ``expand[]=y``, turned into
nested hashes and lists of strings (validation is :mod:`fakestripe.params`'s job)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from fakestripe.errors import invalid

MAX_FIELDS = 2000
MAX_DEPTH = 8

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEG_RE = re.compile(r"\[([^\[\]]*)\]")


class _Array(dict):
    """Collects indexed entries while parsing; turned into a list once parsing is done."""


def parse_form(raw: str) -> dict[str, Any]:
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError as exc:
        raise invalid(f"Too many parameters in the request (limit {MAX_FIELDS}).") from exc
    root: dict[str, Any] = {}
    for key, value in pairs:
        _insert(root, key, value)
    return _finish(root)


def _insert(root: dict[str, Any], key: str, value: str) -> None:
    match = _KEY_RE.match(key)
    if match is None:
        # Not bracket syntax at all; keep the raw key so validation reports it as unknown.
        root[key] = value
        return
    segments = [match.group(1), *_SEG_RE.findall(match.group(2))]
    if len(segments) > MAX_DEPTH:
        raise invalid(f"Parameter nesting is too deep: {key}", param=match.group(1))
    node: dict[str, Any] = root
    for depth, segment in enumerate(segments[:-1]):
        following = segments[depth + 1]
        wants_array = following == "" or following.isdigit()
        name = _array_key(node, segment)
        child = node.get(name)
        if child is None:
            child = _Array() if wants_array else {}
            node[name] = child
        elif not isinstance(child, dict):
            raise invalid(f"Invalid hash: {_display(segments[: depth + 1])}", param=segment)
        node = child
    last = _array_key(node, segments[-1])
    if isinstance(node.get(last), dict):
        raise invalid(f"Invalid string: {_display(segments)} is also a hash", param=segments[0])
    node[last] = value


def _array_key(node: dict[str, Any], segment: str) -> Any:
    if isinstance(node, _Array):
        if segment == "":
            return len(node)
        if segment.isdigit():
            return int(segment)
    return segment


def _display(segments: list[str]) -> str:
    return segments[0] + "".join(f"[{s}]" for s in segments[1:])


def _finish(node: Any) -> Any:
    if isinstance(node, _Array):
        if all(isinstance(k, int) for k in node):
            return [_finish(node[k]) for k in sorted(node)]
        return {str(k): _finish(v) for k, v in node.items()}
    if isinstance(node, dict):
        return {k: _finish(v) for k, v in node.items()}
    return node


def join(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if path else str(key)
