"""Discounts: coupons and promotion codes redeemed on a subscription (or a Checkout payment),
and what they take off invoices.

* A discount's coupon is kept with it (a deleted coupon leaves applied discounts alone, as at
  Stripe). ``once``: the first invoice uses it up (finalizing it removes the discount);
  ``repeating``: it ends ``duration_in_months`` after it started; ``forever`` stays.
* On an invoice, ``percent_off`` takes its share off each subscription line (rounded half up),
  ``amount_off`` (same currency only) comes off the subtotal, shared out in proportion; several
  discounts apply one after another. Lines keep their gross ``amount``, with
  ``discount_amounts``; the invoice's ``total`` is net.
* Prorations under ``billing_mode.flexible.proration_discounts=included`` (the only mode here)
  carry the discount inside their amount: a credit is what was actually paid for the unused
  time, a charge is net of today's ``percent_off`` discounts.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.objects.discounts import build_discount, coupon_valid
from fakestripe.periods import add_months

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


# --- redeeming --------------------------------------------------------------------------------


def resolve(
    rt: Runtime,
    spec: dict[str, Any],
    *,
    path: str,
    customer: str | None,
    currency: str | None,
    amount: int | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The coupon (and promotion code) a ``discounts[]`` entry names, checked for use now."""
    if ("coupon" in spec) == ("promotion_code" in spec):
        raise invalid(
            f"You must pass exactly one of coupon or promotion_code in {path}.",
            param=f"{path}[coupon]",
        )
    promo = None
    if "promotion_code" in spec:
        promo = rt.store.require(
            "promotion_code", spec["promotion_code"], param=f"{path}[promotion_code]", status=400
        )
        check_promotion_code(
            rt, promo, customer=customer, amount=amount, currency=currency, param=path
        )
        coupon = rt.store.require("coupon", promo["promotion"]["coupon"])
    else:
        coupon = rt.store.require("coupon", spec["coupon"], param=f"{path}[coupon]", status=400)
    if not coupon_valid(rt, coupon):
        raise invalid(
            f"Coupon expired: {coupon['id']}", param=f"{path}[coupon]", code="coupon_expired"
        )
    if coupon["amount_off"] is not None and currency and coupon["currency"] != currency:
        raise invalid(
            f"The coupon {coupon['id']} is in {coupon['currency']}; this is in {currency}.",
            param=f"{path}[coupon]",
        )
    return coupon, promo


def check_promotion_code(
    rt: Runtime,
    promo: dict[str, Any],
    *,
    customer: str | None,
    amount: int | None,
    currency: str | None,
    param: str,
) -> None:
    def refuse(why: str) -> None:
        raise invalid(f"This promotion code cannot be used: {why}.", param=param)

    if not promo["active"]:
        refuse("it is inactive")
    if promo["expires_at"] is not None and promo["expires_at"] <= rt.now():
        refuse("it has expired")
    if promo["max_redemptions"] is not None and promo["times_redeemed"] >= promo["max_redemptions"]:
        refuse("it has been used up")
    if promo["customer"] is not None and promo["customer"] != customer:
        refuse("it belongs to another customer")
    rules = promo["restrictions"]
    if rules["first_time_transaction"] and customer and _has_paid(rt, customer):
        refuse("it is for a first purchase only")
    minimum = rules["minimum_amount"]
    if (
        minimum is not None
        and amount is not None
        and (currency != rules["minimum_amount_currency"] or amount < minimum)
    ):
        refuse("the order is below its minimum amount")


def _has_paid(rt: Runtime, customer: str) -> bool:
    return bool(
        rt.store.all("charge", lambda c: c["customer"] == customer and c["status"] == "succeeded")
    )


def redeem(
    rt: Runtime,
    coupon: dict[str, Any],
    promo: dict[str, Any] | None,
    *,
    customer: str | None,
    subscription: str | None = None,
    checkout_session: str | None = None,
) -> dict[str, Any]:
    """A discount from ``coupon`` (counted as redeemed); the caller sends the events."""
    start = rt.now()
    end = None
    if coupon["duration"] == "repeating":
        end = add_months(start, coupon["duration_in_months"])
    discount = rt.store.insert(
        build_discount(
            rt,
            coupon,
            customer=customer,
            promotion_code=promo["id"] if promo else None,
            subscription=subscription,
            checkout_session=checkout_session,
            end=end,
        )
    )
    rt.store.private(discount["id"])["coupon"] = dict(coupon)
    coupon["times_redeemed"] += 1
    if promo is not None:
        promo["times_redeemed"] += 1
    rt.store.mark_dirty()
    return discount


def terms(rt: Runtime, discount: dict[str, Any]) -> dict[str, Any]:
    """The coupon as it was when the discount was made."""
    return rt.store.private(discount["id"])["coupon"]


# --- a subscription's discounts ----------------------------------------------------------------


def active(rt: Runtime, sub: dict[str, Any], *, at: int | None = None) -> list[dict[str, Any]]:
    """The subscription's discounts that have not ended by ``at`` (now)."""
    now = rt.now() if at is None else at
    found = [rt.store.get("discount", d) for d in sub.get("discounts") or []]
    return [d for d in found if d is not None and (d["end"] is None or d["end"] > now)]


def attach(rt: Runtime, sub: dict[str, Any], discount: dict[str, Any]) -> None:
    discount["subscription"] = sub["id"]
    sub["discounts"] = [*sub["discounts"], discount["id"]]
    rt.store.mark_dirty()


def remove(rt: Runtime, sub: dict[str, Any], discount_id: str, *, updated: bool = True) -> None:
    """Take a discount off ``sub``: ``customer.discount.deleted`` (and the subscription's
    update unless the caller sends it)."""
    before = rt.render(sub)
    sub["discounts"] = [d for d in sub["discounts"] if d != discount_id]
    discount = rt.store.get("discount", discount_id)
    if discount is not None:
        rt.emit("customer.discount.deleted", discount)
    if updated:
        emit_updated(rt, "customer.subscription.updated", sub, before)
    rt.store.mark_dirty()


def end_expired(rt: Runtime, sub: dict[str, Any]) -> None:
    """Repeating discounts whose months are over come off (the engine's ``discount_end``)."""
    now = rt.now()
    for discount_id in list(sub.get("discounts") or []):
        discount = rt.store.get("discount", discount_id)
        if discount is not None and discount["end"] is not None and discount["end"] <= now:
            remove(rt, sub, discount_id)


def next_end(rt: Runtime, sub: dict[str, Any]) -> int | None:
    ends = [
        d["end"]
        for d in (rt.store.get("discount", i) for i in sub.get("discounts") or [])
        if d is not None and d["end"] is not None
    ]
    return min(ends) if ends else None


def use_up(rt: Runtime, invoice: dict[str, Any]) -> None:
    """A finalized invoice uses up the ``once`` discounts it applied."""
    from fakestripe.invoicing import subscription_id_of

    sub_id = subscription_id_of(invoice)
    sub = rt.store.get("subscription", sub_id) if sub_id else None
    if sub is None:
        return
    for entry in invoice["total_discount_amounts"]:
        discount = rt.store.get("discount", entry["discount"])
        if (
            discount is not None
            and terms(rt, discount)["duration"] == "once"
            and discount["id"] in sub["discounts"]
        ):
            remove(rt, sub, discount["id"])


# --- amounts -----------------------------------------------------------------------------------


def _percent_of(amount: int, percent: float) -> int:
    exact = Decimal(amount) * Decimal(str(percent)) / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate(amounts: list[int], coupons: list[dict[str, Any]], currency: str) -> list[list[int]]:
    """What each coupon takes off each amount: ``result[coupon][line]``. Only positive amounts
    are discounted; each coupon works on what the previous ones left."""
    left = [max(a, 0) for a in amounts]
    result: list[list[int]] = []
    for coupon in coupons:
        if coupon["percent_off"] is not None:
            off = [_percent_of(a, coupon["percent_off"]) for a in left]
        elif coupon["currency"] == currency:
            off = _share(left, min(coupon["amount_off"], sum(left)))
        else:
            off = [0] * len(left)
        left = [a - o for a, o in zip(left, off, strict=True)]
        result.append(off)
    return result


def _share(amounts: list[int], total: int) -> list[int]:
    base = sum(amounts)
    if base <= 0 or total <= 0:
        return [0] * len(amounts)
    shares = [total * a // base for a in amounts]
    # The rounding remainder goes to the largest line.
    shares[amounts.index(max(amounts))] += total - sum(shares)
    return shares


def apply_to_invoice(rt: Runtime, invoice: dict[str, Any], discounts: list[dict[str, Any]]) -> None:
    """Take ``discounts`` off the invoice's subscription lines (not prorations)."""
    lines = invoice["lines"]["data"]
    eligible = [
        line
        for line in lines
        if line["discountable"]
        and line["amount"] > 0
        and line["parent"]["type"] == "subscription_item_details"
    ]
    if not discounts or not eligible:
        return
    table = allocate(
        [line["amount"] for line in eligible],
        [terms(rt, d) for d in discounts],
        invoice["currency"],
    )
    totals = []
    for discount, offs in zip(discounts, table, strict=True):
        for line, off in zip(eligible, offs, strict=True):
            line["discounts"].append(discount["id"])
            line["discount_amounts"].append({"amount": off, "discount": discount["id"]})
            line["pretax_credit_amounts"].append(_credit(off, discount["id"]))
        totals.append((discount["id"], sum(offs)))
    taken = sum(amount for _, amount in totals)
    total = invoice["subtotal"] - taken
    invoice.update(
        discounts=[d["id"] for d in discounts],
        total_discount_amounts=[{"amount": a, "discount": d} for d, a in totals],
        total_pretax_credit_amounts=[_credit(a, d) for d, a in totals],
        total=total,
        total_excluding_tax=total,
        amount_due=max(total, 0),
        amount_remaining=max(total, 0),
    )


def _credit(amount: int, discount_id: str) -> dict[str, Any]:
    return {
        "amount": amount,
        "credit_balance_transaction": None,
        "discount": discount_id,
        "type": "discount",
    }


def charge_factor(rt: Runtime, sub: dict[str, Any] | None) -> float:
    """The share of a price a proration charge bills today (``percent_off`` discounts)."""
    factor = 1.0
    for discount in active(rt, sub) if sub else []:
        coupon = terms(rt, discount)
        if coupon["percent_off"] is not None:
            factor *= 1 - coupon["percent_off"] / 100
    return factor


def paid_factor(rt: Runtime, sub: dict[str, Any], item_id: str | None) -> float:
    """The share of its price the item's last regular line was actually paid (a credit
    returns what was debited, as in flexible billing mode)."""
    if item_id is not None:
        for invoice in rt.store.all("invoice", lambda i: i["status"] in {"open", "paid"}):
            for line in invoice["lines"]["data"]:
                details = line["parent"].get("subscription_item_details") or {}
                if (
                    details.get("subscription_item") == item_id
                    and not details.get("proration")
                    and line["amount"] > 0
                ):
                    off = sum(d["amount"] for d in line["discount_amounts"])
                    return (line["amount"] - off) / line["amount"]
    return charge_factor(rt, sub)
