"""Which API request (if any) caused the current state change, for ``event.request``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    id: str | None = None
    idempotency_key: str | None = None


_current: ContextVar[RequestInfo | None] = ContextVar("fakestripe_request", default=None)
_AUTOMATIC = RequestInfo()


def current_request() -> RequestInfo:
    """The API request being served; ids are None for automatic changes (renewals...)."""
    return _current.get() or _AUTOMATIC


@contextmanager
def request_scope(info: RequestInfo) -> Iterator[None]:
    token = _current.set(info)
    try:
        yield
    finally:
        _current.reset(token)
