"""Subscriptions, subscription items, invoices, invoice line items and invoice payments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.fixtures import blank, shape
from fakestripe.ids import new_id
from fakestripe.objects import list_object, renderer
from fakestripe.objects.catalog import plan_from_price

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


def _clock(rt: Runtime, customer_id: str) -> str | None:
    """The test clock of the customer (objects of a customer on a clock name it too)."""
    customer = rt.store.get("customer", customer_id)
    return customer.get("test_clock") if customer else None


def build_subscription(
    rt: Runtime,
    *,
    customer: str,
    currency: str,
    metadata: dict[str, str],
    default_payment_method: str | None,
    description: str | None = None,
) -> dict[str, Any]:
    sub = blank("subscription")
    sub_id = new_id("sub")
    now = rt.now()
    sub.update(
        id=sub_id,
        automatic_tax=shape("subscription", "automatic_tax", enabled=False),
        billing_cycle_anchor=now,
        cancel_at_period_end=False,
        cancellation_details=shape("subscription", "cancellation_details"),
        collection_method="charge_automatically",
        created=now,
        currency=currency,
        customer=customer,
        test_clock=_clock(rt, customer),
        default_payment_method=default_payment_method,
        description=description,
        invoice_settings=shape("subscription", "invoice_settings", issuer={"type": "self"}),
        items=list_object([], f"/v1/subscription_items?subscription={sub_id}"),
        metadata=metadata,
        payment_settings=shape(
            "subscription", "payment_settings", save_default_payment_method="off"
        ),
        start_date=now,
        status="incomplete",
        trial_settings={"end_behavior": {"missing_payment_method": "create_invoice"}},
        billing_mode={"type": "flexible", "flexible": {"proration_discounts": "included"}},
        managed_payments={"enabled": False},
        # endive: why the subscription is paused (see fakestripe.pausing); null otherwise.
        status_details=None,
    )
    return sub


def subscription_items(rt: Runtime, sub_id: str) -> list[dict[str, Any]]:
    items = rt.store.all("subscription_item", lambda i: i["subscription"] == sub_id)
    # Items are listed in the order they were added, not newest first.
    return items[::-1]


@renderer("subscription")
def render_subscription(rt: Runtime, sub: dict[str, Any]) -> dict[str, Any]:
    items = subscription_items(rt, sub["id"])
    sub["items"] = list_object(
        [rt.render(i) for i in items], f"/v1/subscription_items?subscription={sub['id']}"
    )
    return sub


def build_subscription_item(
    rt: Runtime,
    *,
    subscription: str,
    price: dict[str, Any],
    quantity: int,
    period_start: int,
    period_end: int,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    item = blank("subscription_item")
    item.update(
        id=new_id("si"),
        created=rt.now(),
        metadata=metadata or {},
        price=price["id"],
        quantity=quantity,
        subscription=subscription,
        current_period_start=period_start,
        current_period_end=period_end,
    )
    return item


@renderer("subscription_item")
def render_subscription_item(rt: Runtime, item: dict[str, Any]) -> dict[str, Any]:
    price = rt.store.get("price", item["price"])
    if price is not None:
        item["price"] = rt.render(price)
        item["plan"] = plan_from_price(price)
    return item


def build_line(
    *,
    invoice_id: str,
    amount: int,
    currency: str,
    description: str,
    period: tuple[int, int],
    price: dict[str, Any],
    quantity: int,
    subscription: str | None,
    subscription_item: str | None,
    proration: bool = False,
    invoice_item: str | None = None,
) -> dict[str, Any]:
    line = blank("line_item")
    if subscription:
        parent = shape(
            "line_item",
            "parent",
            subscription_item_details=shape(
                "line_item",
                "parent.subscription_item_details",
                invoice_item=invoice_item,
                proration=proration,
                proration_details={"credited_items": None},
                subscription=subscription,
                subscription_item=subscription_item,
            ),
            type="subscription_item_details",
        )
    else:
        parent = shape(
            "line_item",
            "parent",
            invoice_item_details=shape(
                "line_item",
                "parent.invoice_item_details",
                invoice_item=invoice_item,
                proration=proration,
                proration_details={"credited_items": None},
            ),
            type="invoice_item_details",
        )
    line.update(
        id=new_id("il"),
        amount=amount,
        currency=currency,
        description=description,
        discountable=not proration,
        invoice=invoice_id,
        metadata={},
        period={"start": period[0], "end": period[1]},
        quantity=quantity,
        pretax_credit_amounts=[],
        taxes=[],
        parent=parent,
        pricing={
            "type": "price_details",
            "price_details": {"price": price["id"], "product": price["product"]}
            if price["id"]
            else None,
            "unit_amount_decimal": price["unit_amount_decimal"],
        },
        subtotal=amount,
        quantity_decimal=str(quantity),
    )
    return line


def build_invoice(
    rt: Runtime,
    *,
    customer: dict[str, Any],
    subscription: dict[str, Any] | None,
    billing_reason: str,
    currency: str,
    period: tuple[int, int],
    invoice_id: str | None = None,
) -> dict[str, Any]:
    invoice = blank("invoice")
    inv_id = invoice_id or new_id("in")
    parent = None
    if subscription is not None:
        parent = shape(
            "invoice",
            "parent",
            subscription_details={
                "metadata": dict(subscription["metadata"]),
                "subscription": subscription["id"],
            },
            type="subscription_details",
        )
    invoice.update(
        id=inv_id,
        account_country=rt.settings.account_country,
        account_name=rt.settings.business_name,
        amount_due=0,
        amount_paid=0,
        amount_remaining=0,
        amount_shipping=0,
        attempt_count=0,
        attempted=False,
        auto_advance=True,
        automatic_tax=shape("invoice", "automatic_tax", enabled=False),
        billing_reason=billing_reason,
        collection_method="charge_automatically",
        created=rt.now(),
        currency=currency,
        customer=customer["id"],
        test_clock=customer.get("test_clock"),
        customer_address=customer["address"],
        customer_email=customer["email"],
        customer_name=customer["name"],
        customer_phone=customer["phone"],
        customer_tax_exempt=customer["tax_exempt"],
        issuer={"type": "self"},
        lines=list_object([], f"/v1/invoices/{inv_id}/lines"),
        metadata={},
        payment_settings=shape("invoice", "payment_settings"),
        period_start=period[0],
        period_end=period[1],
        post_payment_credit_notes_amount=0,
        pre_payment_credit_notes_amount=0,
        starting_balance=0,
        status="draft",
        status_transitions=shape("invoice", "status_transitions"),
        subtotal=0,
        subtotal_excluding_tax=0,
        total=0,
        total_excluding_tax=0,
        total_pretax_credit_amounts=[],
        total_taxes=[],
        amount_overpaid=0,
        parent=parent,
        # Why an invoice is uncollectible (see invoicing.mark_uncollectible); null otherwise.
        status_details=None,
    )
    return invoice


def set_invoice_lines(invoice: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    invoice["lines"]["data"] = lines
    total = sum(line["amount"] for line in lines)
    invoice.update(
        subtotal=total,
        subtotal_excluding_tax=total,
        total=total,
        total_excluding_tax=total,
        amount_due=max(total, 0),
        amount_remaining=max(total, 0),
    )


def build_invoice_payment(
    rt: Runtime, *, invoice: dict[str, Any], payment_intent: str
) -> dict[str, Any]:
    payment = blank("invoice_payment")
    payment.update(
        id=new_id("inpay"),
        amount_requested=invoice["amount_due"],
        created=rt.now(),
        currency=invoice["currency"],
        invoice=invoice["id"],
        is_default=True,
        livemode=False,
        payment={"type": "payment_intent", "payment_intent": payment_intent},
        status="open",
        status_transitions=shape("invoice_payment", "status_transitions"),
    )
    return payment
