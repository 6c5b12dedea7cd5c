"""Subscription lifecycle: creation, cancellation, pausing. Price and quantity changes are in
:mod:`fakestripe.changes`, time-driven transitions (renewals, retries) in
:mod:`fakestripe.billing_engine`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fakestripe.errors import invalid
from fakestripe.invoicing import (
    create_invoice,
    finalize,
    regular_line,
)
from fakestripe.objects.billing import (
    build_subscription,
    build_subscription_item,
    subscription_items,
)
from fakestripe.objects.catalog import build_price
from fakestripe.periods import period_end

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

# A coupon and the promotion code it came through, if any.
Redeemable = tuple[dict[str, Any], dict[str, Any] | None]

LIVE_STATUSES = ("active", "past_due", "unpaid", "trialing", "incomplete")


def interval_of(price: dict[str, Any]) -> tuple[str, int]:
    recurring = price["recurring"]
    return recurring["interval"], recurring["interval_count"]


def current_period(rt: Runtime, sub: dict[str, Any]) -> tuple[int, int]:
    items = subscription_items(rt, sub["id"])
    if not items:
        return sub["billing_cycle_anchor"], sub["billing_cycle_anchor"]
    return items[0]["current_period_start"], items[0]["current_period_end"]


def next_period_end(rt: Runtime, sub: dict[str, Any], cycles: int) -> int:
    private = rt.store.private(sub["id"])
    interval, count = private["interval"], private["interval_count"]
    return period_end(sub["billing_cycle_anchor"], interval, count, cycles)


# --- creation -----------------------------------------------------------------------------


@dataclass
class ItemSpec:
    """A subscription item to create: its (already resolved) price, quantity and metadata."""

    price: dict[str, Any]
    quantity: int = 1
    metadata: dict[str, str] = field(default_factory=dict)


def create_subscription(
    rt: Runtime,
    *,
    customer: dict[str, Any],
    items: list[ItemSpec],
    metadata: dict[str, str],
    default_payment_method: str | None,
    description: str | None = None,
    finalize_now: bool = True,
    trial_end: int | None = None,
    missing_payment_method: str = "create_invoice",
    discounts: Sequence[Redeemable] = (),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Create an ``incomplete`` subscription and its first invoice: finalized (not yet paid),
    or left a draft with ``finalize_now=False`` (a checkout finalizes it as its next step).
    With ``trial_end`` it is ``trialing`` and the first invoice is free (see trials).
    ``discounts``: (coupon, promotion code) pairs, already checked, redeemed on it."""
    from fakestripe import discounts as discounting
    from fakestripe import trials

    currency = items[0].price["currency"]
    sub = build_subscription(
        rt,
        customer=customer["id"],
        currency=currency,
        metadata=metadata,
        default_payment_method=default_payment_method,
        description=description,
    )
    interval, count = interval_of(items[0].price)
    private = rt.store.private(sub["id"])
    private.update(interval=interval, interval_count=count, cycle=1)
    start = sub["billing_cycle_anchor"]
    end = period_end(start, interval, count, 1)
    if trial_end is not None:
        trials.start(rt, sub, trial_end, missing_payment_method)
        end = trial_end
    rt.store.insert(sub)
    redeemed = [
        discounting.redeem(rt, coupon, promo, customer=customer["id"], subscription=sub["id"])
        for coupon, promo in discounts
    ]
    for discount in redeemed:
        discounting.attach(rt, sub, discount)
    created = [
        rt.store.insert(
            build_subscription_item(
                rt,
                subscription=sub["id"],
                price=spec.price,
                quantity=spec.quantity,
                period_start=start,
                period_end=end,
                metadata=spec.metadata,
            )
        )
        for spec in items
    ]
    invoice = create_invoice(
        rt,
        customer=customer,
        subscription=sub,
        billing_reason="subscription_create",
        lines=[
            (trials.trial_line if trial_end is not None else regular_line)(
                rt, spec.price, item["quantity"], (start, end), item["id"]
            )
            for item, spec in zip(created, items, strict=True)
        ],
        period=(start, start),
        store=False,
    )
    sub["latest_invoice"] = invoice["id"]
    rt.emit("customer.subscription.created", sub)
    for discount in redeemed:
        rt.emit("customer.discount.created", discount)
    rt.store.insert(invoice)
    rt.emit("invoice.created", invoice)
    if finalize_now:
        finalize(rt, invoice)
    if trial_end is not None:
        trials.notify_if_near(rt, sub)
    return sub, invoice


def resolve_item_price(
    rt: Runtime, sub: dict[str, Any], spec: dict[str, Any], path: str
) -> dict[str, Any]:
    """The price of an item spec: ``price`` (active, recurring, in ``sub``'s currency when it
    has one) or ``price_data``, which creates an archived inline price as Stripe does."""
    if ("price" in spec) == ("price_data" in spec):
        raise invalid(
            f"You must specify either `price` or `price_data` in {path}.",
            param=f"{path}[price]",
            code="parameter_missing",
        )
    if "price" in spec:
        return resolve_recurring_price(rt, sub, spec["price"], f"{path}[price]")
    data = spec["price_data"]
    rt.store.require("product", data["product"], param=f"{path}[price_data][product]", status=400)
    if sub.get("currency") and data["currency"] != sub["currency"]:
        raise invalid(
            f"The price specified uses currency {data['currency']}, but this subscription "
            f"uses {sub['currency']}. A subscription cannot change currency.",
            param=f"{path}[price_data][currency]",
        )
    price_params = {
        "currency": data["currency"],
        "unit_amount": data["unit_amount"],
        "recurring": data["recurring"],
        "tax_behavior": data.get("tax_behavior", "unspecified"),
        "active": False,
    }
    return rt.store.insert(build_price(rt, price_params, data["product"]))


def resolve_recurring_price(
    rt: Runtime, sub: dict[str, Any], price_id: str, param: str
) -> dict[str, Any]:
    price = rt.store.require("price", price_id, param=param, status=400)
    if not price["active"]:
        raise invalid(
            f"The price specified is inactive. This field only accepts active prices. ({price_id})",
            param=param,
        )
    if price["type"] != "recurring":
        raise invalid(
            "The price specified is set to `type=one_time` but this field only accepts prices "
            "with `type=recurring`.",
            param=param,
        )
    if sub.get("currency") and price["currency"] != sub["currency"]:
        raise invalid(
            f"The price specified uses currency {price['currency']}, but this subscription "
            f"uses {sub['currency']}. A subscription cannot change currency.",
            param=param,
        )
    return price
