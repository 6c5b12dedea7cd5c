"""``expand[]``: replace id strings with the objects they name, following dotted paths.

A few fields are *includable*: absent unless expanded (``invoice.payments``,
``checkout.session.line_items``); they are computed here on request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fakestripe.errors import invalid
from fakestripe.objects import list_object

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

MAX_DEPTH = 4


def _invoice_payments(rt: Runtime, invoice: dict[str, Any]) -> dict[str, Any]:
    payments = rt.store.all("invoice_payment", lambda p: p["invoice"] == invoice["id"])
    return list_object(
        [rt.render(p) for p in payments], f"/v1/invoice_payments?invoice={invoice['id']}"
    )


def _session_line_items(rt: Runtime, session: dict[str, Any]) -> dict[str, Any]:
    from fakestripe.objects.checkout import session_items

    return list_object(
        session_items(rt, session), f"/v1/checkout/sessions/{session['id']}/line_items"
    )


def _charge_refunds(rt: Runtime, charge: dict[str, Any]) -> dict[str, Any]:
    # Rendered charges already carry their refunds; expanding them is allowed and a no-op.
    return charge["refunds"]


INCLUDABLE: dict[str, dict[str, Callable[[Runtime, dict[str, Any]], Any]]] = {
    "invoice": {"payments": _invoice_payments},
    "checkout.session": {"line_items": _session_line_items},
    "charge": {"refunds": _charge_refunds},
}


def expand(rt: Runtime, obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    for index, path in enumerate(paths):
        parts = path.split(".")
        # Stripe counts expandable levels; the "data" of a list is not one.
        if len([p for p in parts if p != "data"]) > MAX_DEPTH:
            raise invalid(
                f"You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}",
                param=f"expand[{index}]",
            )
        _walk(rt, obj, parts, path, f"expand[{index}]")
    return obj


def _walk(  # noqa: PLR0912 - one branch per kind of node
    rt: Runtime, node: Any, parts: list[str], path: str, param: str
) -> None:
    if not parts or node is None:
        return
    head, rest = parts[0], parts[1:]
    if isinstance(node, list):
        for item in node:
            _walk(rt, item, parts, path, param)
        return
    if not isinstance(node, dict):
        raise invalid(f"This property cannot be expanded ({path}).", param=param)
    if node.get("object") == "list" and head == "data":
        for item in node.get("data", []):
            _walk(rt, item, rest, path, param)
        return
    include = INCLUDABLE.get(str(node.get("object")), {}).get(head)
    if include is not None:
        node[head] = include(rt, node)
    elif head not in node:
        raise invalid(f"This property cannot be expanded ({path}).", param=param)
    value = node[head]
    if isinstance(value, str):
        target = rt.store.find(value)
        if target is None:
            raise invalid(f"This property cannot be expanded ({path}).", param=param)
        node[head] = rt.render(target)
    elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        # A list of ids (``discounts``): each is expanded.
        targets = [rt.store.find(v) for v in value]
        if any(t is None for t in targets):
            raise invalid(f"This property cannot be expanded ({path}).", param=param)
        node[head] = [rt.render(t) for t in targets if t is not None]
    elif isinstance(value, dict) and not rest and "id" not in value and include is None:
        raise invalid(f"This property cannot be expanded ({path}).", param=param)
    _walk(rt, node[head], rest, path, param)
