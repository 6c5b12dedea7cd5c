"""Validated parameters that remember which of them the handler read: the stand-in's guard
against accepting a parameter and then silently ignoring it."""

from __future__ import annotations

from typing import Any

from fakestripe.form import join


class Params(dict):
    """A validated hash that records which keys its reader looked at."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def pop(self, key: str, *default: Any) -> Any:
        self.read.add(key)
        return super().pop(key, *default)

    def items(self) -> Any:
        self.read.update(self.keys())
        return super().items()

    def values(self) -> Any:
        self.read.update(self.keys())
        return super().values()

    def unread(self, prefix: str = "") -> list[str]:
        """Full names of accepted parameters nobody read, nested ones included."""
        missed: list[str] = []
        for key, value in dict.items(self):
            path = join(prefix, key)
            if key not in self.read:
                missed.append(path)
            else:
                missed.extend(_unread(value, path))
        return missed


def _unread(value: Any, path: str) -> list[str]:
    if isinstance(value, Params):
        return value.unread(path)
    if isinstance(value, list):
        return [m for i, item in enumerate(value) for m in _unread(item, join(path, i))]
    return []


def consume(value: Any) -> Any:
    """Plain data for storing (a checkout session keeps its ``subscription_data`` for later):
    the caller takes responsibility for every nested parameter, so all count as read."""
    if isinstance(value, dict):
        return {key: consume(item) for key, item in value.items()}
    if isinstance(value, list):
        return [consume(item) for item in value]
    return value


def wanted(params: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The given filters, read now: a list's filter closure only runs when there is something
    to filter, which must not make its parameters look unused."""
    return {key: params[key] for key in keys if key in params}


def touch(params: dict[str, Any], *keys: str) -> None:
    """Count ``keys`` as read where the handler decides they change nothing (say why)."""
    if isinstance(params, Params):
        params.read.update(keys)
