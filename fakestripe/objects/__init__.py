"""Builders and renderers for each Stripe object type.

Objects are stored in API shape. A *renderer* turns a stored object into what the API returns,
for the few types whose representation embeds other live objects (a subscription's items, an
item's price, a charge's refunds); all others are returned as stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

Renderer = Callable[["Runtime", dict[str, Any]], dict[str, Any]]
_RENDERERS: dict[str, Renderer] = {}


def renderer(type_: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        _RENDERERS[type_] = fn
        return fn

    return register


def clone(value: Any) -> Any:
    """Deep copy of JSON data; several times faster than copy.deepcopy on these objects."""
    if type(value) is dict:
        return {key: clone(item) for key, item in value.items()}
    if type(value) is list:
        return [clone(item) for item in value]
    return value


def render(rt: Runtime, obj: dict[str, Any]) -> dict[str, Any]:
    out = clone(obj)
    fn = _RENDERERS.get(str(obj.get("object")))
    return fn(rt, out) if fn else out


def list_object(data: list[dict[str, Any]], url: str, has_more: bool = False) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def null_address() -> dict[str, Any]:
    return {
        "city": None,
        "country": None,
        "line1": None,
        "line2": None,
        "postal_code": None,
        "state": None,
    }


def load_all() -> None:
    """Import every builder module so their renderers are registered."""
    from fakestripe.objects import (  # noqa: F401
        billing,
        catalog,
        checkout,
        customers,
        discounts,
        misc,
        payments,
    )
