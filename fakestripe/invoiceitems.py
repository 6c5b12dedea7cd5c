"""Invoice items: amounts waiting for the next invoice (``invoice`` null) or already on one.

Prorations are invoice items, as at Stripe: a price change with ``create_prorations`` leaves
them pending for the next invoice, ``always_invoice`` creates them and invoices them at once. A
subscription's next invoice takes its own pending items and the customer's pending items that
belong to no subscription.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.fixtures import blank, shape
from fakestripe.ids import new_id
from fakestripe.invoicing import LineSpec

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


def build_invoice_item(
    rt: Runtime,
    *,
    customer: str,
    spec: LineSpec,
    subscription: str | None,
    metadata: dict[str, str] | None = None,
    discountable: bool | None = None,
) -> dict[str, Any]:
    item = blank("invoiceitem")
    price = spec.price
    item.update(
        id=spec.invoice_item or new_id("ii"),
        amount=spec.amount,
        currency=price["currency"],
        customer=customer,
        test_clock=(rt.store.get("customer", customer) or {}).get("test_clock"),
        date=rt.now(),
        description=spec.description,
        discountable=(not spec.proration) if discountable is None else discountable,
        metadata=metadata or {},
        period={"start": spec.period[0], "end": spec.period[1]},
        proration=spec.proration,
        quantity=spec.quantity,
        quantity_decimal=str(spec.quantity),
        net_amount=spec.amount,
        parent=shape(
            "invoiceitem",
            "parent",
            subscription_details={
                "subscription": subscription,
                "subscription_item": spec.subscription_item,
            },
            type="subscription_details",
        )
        if subscription
        else None,
        pricing=pricing_of(price),
    )
    return item


def amount_only(currency: str, amount: int) -> dict[str, Any]:
    """The "price" of an item given as a plain amount: there is none."""
    return {"id": None, "product": None, "currency": currency, "unit_amount_decimal": str(amount)}


def pricing_of(price: dict[str, Any]) -> dict[str, Any]:
    details = {"price": price["id"], "product": price["product"]} if price["id"] else None
    return {
        "type": "price_details",
        "price_details": details,
        "unit_amount_decimal": price.get("unit_amount_decimal"),
    }


def subscription_of_item(item: dict[str, Any]) -> str | None:
    parent = item.get("parent") or {}
    return (parent.get("subscription_details") or {}).get("subscription")


def add_items(
    rt: Runtime, *, customer: str, subscription: str | None, lines: list[LineSpec]
) -> list[dict[str, Any]]:
    """Store ``lines`` as invoice items (``invoiceitem.created`` each), still pending."""
    items = []
    for spec in lines:
        item = build_invoice_item(rt, customer=customer, spec=spec, subscription=subscription)
        spec.invoice_item = item["id"]
        rt.store.insert(item)
        rt.emit("invoiceitem.created", item)
        items.append(item)
    return items


def pending_items(rt: Runtime, sub: dict[str, Any]) -> list[dict[str, Any]]:
    """What ``sub``'s next invoice takes: its own pending items and its customer's that belong
    to no subscription, oldest first."""
    return rt.store.all(
        "invoiceitem",
        lambda i: (
            i["invoice"] is None
            and i["customer"] == sub["customer"]
            and subscription_of_item(i) in {None, sub["id"]}
        ),
    )[::-1]


def line_of(rt: Runtime, item: dict[str, Any]) -> LineSpec:
    details = item["pricing"]["price_details"]
    price = (rt.store.get("price", details["price"]) if details else None) or amount_only(
        item["currency"], item["amount"]
    )
    parent = (item.get("parent") or {}).get("subscription_details") or {}
    return LineSpec(
        amount=item["amount"],
        description=item["description"] or "",
        price=price,
        quantity=item["quantity"],
        period=(item["period"]["start"], item["period"]["end"]),
        subscription_item=parent.get("subscription_item"),
        proration=item["proration"],
        invoice_item=item["id"],
        standalone=not parent,
    )


def pending_lines(rt: Runtime, sub: dict[str, Any]) -> list[LineSpec]:
    return [line_of(rt, item) for item in pending_items(rt, sub)]


def claim_items(rt: Runtime, invoice: dict[str, Any], lines: list[LineSpec]) -> None:
    """The invoice now carries these items; they are no longer pending."""
    for spec in lines:
        item = rt.store.get("invoiceitem", spec.invoice_item)
        if item is not None and item["invoice"] is None:
            item["invoice"] = invoice["id"]
    rt.store.mark_dirty()


def delete_item(rt: Runtime, item: dict[str, Any]) -> None:
    rendered = rt.render(item)
    rt.store.delete("invoiceitem", item["id"])
    rt.emit("invoiceitem.deleted", rendered)


def drop_pending_prorations(rt: Runtime, sub: dict[str, Any]) -> None:
    """Cancelling now without ``invoice_now`` or ``prorate``: Stripe removes the pending
    prorations of the subscription (other pending items stay)."""
    for item in pending_items(rt, sub):
        if item["proration"] and subscription_of_item(item) == sub["id"]:
            delete_item(rt, item)
