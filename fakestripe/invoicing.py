"""Invoices: creation from line specs, finalization, payment attempts and their consequences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fakestripe.cards import Decline
from fakestripe.charging import attempt_charge, create_payment_intent
from fakestripe.dunning import payment_failed
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.ids import new_id
from fakestripe.money import format_amount, format_interval
from fakestripe.objects.billing import (
    build_invoice,
    build_invoice_payment,
    build_line,
    set_invoice_lines,
)

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

NO_PAYMENT_METHOD = Decline(
    "resource_missing",
    None,
    "This customer has no attached payment source or default payment method. Please consider "
    "adding a default payment method.",
)

DESCRIPTIONS = {
    "subscription_create": "Subscription creation",
    "subscription_cycle": "Subscription update",
    "subscription_update": "Subscription update",
}


@dataclass
class LineSpec:
    amount: int
    description: str
    price: dict[str, Any]
    quantity: int
    period: tuple[int, int]
    subscription_item: str | None
    proration: bool = False
    invoice_item: str | None = None
    # An invoice item of the customer's that belongs to no subscription.
    standalone: bool = False


def regular_line(
    rt: Runtime,
    price: dict[str, Any],
    quantity: int,
    period: tuple[int, int],
    item_id: str | None,
) -> LineSpec:
    product = rt.store.get("product", price["product"]) or {"name": price["product"]}
    unit = format_amount(price["unit_amount"], price["currency"])
    interval = format_interval(price["recurring"]).replace("per ", "/ ")
    return LineSpec(
        amount=price["unit_amount"] * quantity,
        # Stripe's own wording, multiplication sign included.
        description=f"{quantity} × {product['name']} (at {unit} {interval})".strip(),  # noqa: RUF001
        price=price,
        quantity=quantity,
        period=period,
        subscription_item=item_id,
    )


def create_invoice(
    rt: Runtime,
    *,
    customer: dict[str, Any],
    subscription: dict[str, Any] | None,
    billing_reason: str,
    lines: list[LineSpec],
    period: tuple[int, int],
    store: bool = True,
    invoice_id: str | None = None,
    preview: bool = False,
) -> dict[str, Any]:
    """An invoice with these lines (a draft); it takes the invoice items among them, unless it
    is only a ``preview``."""
    from fakestripe.invoiceitems import claim_items

    invoice = build_invoice(
        rt,
        customer=customer,
        subscription=subscription,
        billing_reason=billing_reason,
        currency=(subscription or {}).get("currency") or lines[0].price["currency"],
        period=period,
        invoice_id=invoice_id,
    )
    built = [
        build_line(
            invoice_id=invoice["id"],
            amount=spec.amount,
            currency=invoice["currency"],
            description=spec.description,
            period=spec.period,
            price=spec.price,
            quantity=spec.quantity,
            subscription=subscription["id"] if subscription and not spec.standalone else None,
            subscription_item=spec.subscription_item,
            proration=spec.proration,
            invoice_item=spec.invoice_item,
        )
        for spec in lines
    ]
    set_invoice_lines(invoice, built)
    if subscription is not None:
        from fakestripe.discounts import active, apply_to_invoice

        apply_to_invoice(rt, invoice, active(rt, subscription, at=max(period[0], rt.now())))
    if not preview:
        claim_items(rt, invoice, lines)
    if store:
        rt.store.insert(invoice)
        rt.emit("invoice.created", invoice)
    return invoice


def _apply_balance(rt: Runtime, invoice: dict[str, Any], customer: dict[str, Any]) -> None:
    """Customer credit (negative balance) pays first; a negative total becomes credit."""
    total, balance = invoice["total"], customer["balance"]
    if total >= 0:
        applied = max(balance, -total) if balance < 0 else balance
        amount_due, ending = total + applied, balance - applied
    else:
        amount_due, ending = 0, balance + total
    invoice.update(
        starting_balance=balance,
        ending_balance=ending,
        amount_due=amount_due,
        amount_remaining=amount_due,
    )
    if ending != balance:
        from fakestripe.balance import change

        change(
            rt,
            customer,
            ending - balance,
            kind="applied_to_invoice",
            currency=invoice["currency"],
            invoice=invoice["id"],
        )


def finalize(rt: Runtime, invoice: dict[str, Any], *, recover: bool = True) -> None:
    """Draft -> open (numbered, balance applied); nothing due -> paid at once. ``recover=False``
    leaves the subscription's status to the caller (a checkout activates it as a step)."""
    customer = rt.store.require("customer", invoice["customer"])
    now = rt.now()
    _apply_balance(rt, invoice, customer)
    invoice.update(
        status="open",
        number=f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}",
        effective_at=now,
        hosted_invoice_url=f"{rt.base_url}/i/{invoice['id']}",
        webhooks_delivered_at=now,
    )
    customer["next_invoice_sequence"] += 1
    invoice["status_transitions"]["finalized_at"] = now
    rt.store.mark_dirty()
    rt.emit("invoice.finalized", invoice)
    from fakestripe.discounts import use_up

    use_up(rt, invoice)
    if invoice["amount_due"] == 0:
        mark_paid(rt, invoice, recover=recover)


def mark_paid(
    rt: Runtime, invoice: dict[str, Any], *, out_of_band: bool = False, recover: bool = True
) -> None:
    now = rt.now()
    invoice.update(
        status="paid",
        status_details=None,
        amount_paid=invoice["amount_due"],
        amount_remaining=0,
        next_payment_attempt=None,
        auto_advance=False,
    )
    invoice["status_transitions"]["paid_at"] = now
    rt.store.mark_dirty()
    rt.emit("invoice.paid", invoice)
    if not out_of_band:
        # Only a real payment attempt succeeds; paying out of band just marks it paid.
        rt.emit("invoice.payment_succeeded", invoice)
    if recover:
        activate_subscription(rt, invoice)


def apply_payment(rt: Runtime, invoice: dict[str, Any], pi: dict[str, Any] | None) -> None:
    """Pay an open invoice with a payment that already succeeded (a checkout's)."""
    if pi is not None:
        private = rt.store.private(invoice["id"])
        private["payment_intent"] = pi["id"]
        payment = build_invoice_payment(rt, invoice=invoice, payment_intent=pi["id"])
        rt.store.insert(payment)
        private["invoice_payment"] = payment["id"]
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        _invoice_payment_paid(rt, invoice)
    mark_paid(rt, invoice, recover=False)


def activate_subscription(rt: Runtime, invoice: dict[str, Any], *, resumes: bool = True) -> None:
    """An incomplete, past-due or unpaid subscription is active again once ``invoice`` (and
    every other open invoice of it) is settled; a paused one once its resumption invoice is."""
    from fakestripe.pausing import resumption_paid

    sub = subscription_of(rt, invoice)
    if sub is not None and sub["status"] == "paused":
        # Voiding a resumption invoice leaves the subscription paused.
        if resumes:
            resumption_paid(rt, sub, invoice)
        return
    if sub is None or sub["status"] not in {"past_due", "unpaid", "incomplete"}:
        return
    # An older invoice getting paid does not make a subscription current if a newer one is
    # still open.
    still_open = rt.store.all(
        "invoice",
        lambda i: (
            i["status"] == "open"
            and i["id"] != invoice["id"]
            and subscription_id_of(i) == sub["id"]
        ),
    )
    if still_open:
        return
    before = rt.render(sub)
    sub["status"] = "active"
    emit_updated(rt, "customer.subscription.updated", sub, before)


def subscription_id_of(invoice: dict[str, Any]) -> str | None:
    parent = invoice.get("parent") or {}
    return (parent.get("subscription_details") or {}).get("subscription")


def subscription_of(rt: Runtime, invoice: dict[str, Any]) -> dict[str, Any] | None:
    sub_id = subscription_id_of(invoice)
    return rt.store.get("subscription", sub_id) if sub_id else None


def default_payment_method(
    rt: Runtime, sub: dict[str, Any] | None, customer: dict[str, Any]
) -> dict[str, Any] | None:
    """Stripe's order: the subscription's default, then the customer's invoice default."""
    for pm_id in (
        (sub or {}).get("default_payment_method"),
        customer["invoice_settings"]["default_payment_method"],
    ):
        pm = rt.store.get("payment_method", pm_id) if pm_id else None
        if pm is not None:
            return pm
    return None


def _payment_intent_for(rt: Runtime, invoice: dict[str, Any], pm: dict[str, Any]) -> dict[str, Any]:
    private = rt.store.private(invoice["id"])
    pi = rt.store.get("payment_intent", private.get("payment_intent"))
    if pi is None:
        pi = create_payment_intent(
            rt,
            amount=invoice["amount_due"],
            currency=invoice["currency"],
            customer=invoice["customer"],
            description=DESCRIPTIONS.get(invoice["billing_reason"], "Invoice payment"),
            payment_method=pm["id"],
        )
        private["payment_intent"] = pi["id"]
        payment = build_invoice_payment(rt, invoice=invoice, payment_intent=pi["id"])
        rt.store.insert(payment)
        private["invoice_payment"] = payment["id"]
    return pi


def charge_invoice(
    rt: Runtime,
    invoice: dict[str, Any],
    *,
    pm: dict[str, Any] | None = None,
    off_session: bool = True,
    authenticated: bool = False,
    automatic: bool = True,
) -> Decline | None:
    """One payment attempt. ``automatic`` attempts (renewals, Smart Retries) move the retry
    schedule forward; manual ones (``Invoice.pay``, portal card updates) do not."""
    customer = rt.store.require("customer", invoice["customer"])
    sub = subscription_of(rt, invoice)
    pm = pm or default_payment_method(rt, sub, customer)
    private = rt.store.private(invoice["id"])
    now = rt.now()
    private.setdefault("first_attempt_at", now)
    if pm is None:
        if not automatic:
            raise invalid(NO_PAYMENT_METHOD.message, param="payment_method")
        decline: Decline | None = NO_PAYMENT_METHOD
    else:
        pi = _payment_intent_for(rt, invoice, pm)
        decline = attempt_charge(rt, pi, pm, off_session=off_session, authenticated=authenticated)
    invoice["attempt_count"] += 1
    invoice["attempted"] = True
    if automatic:
        private["automatic_attempts"] = private.get("automatic_attempts", 0) + 1
    if decline is None:
        _invoice_payment_paid(rt, invoice)
        mark_paid(rt, invoice)
        return None
    payment_failed(rt, invoice, sub, decline, automatic=automatic)
    return decline


def _invoice_payment_paid(rt: Runtime, invoice: dict[str, Any]) -> None:
    payment = rt.store.get(
        "invoice_payment", rt.store.private(invoice["id"]).get("invoice_payment")
    )
    if payment is None:
        return
    payment.update(status="paid", amount_paid=invoice["amount_due"])
    payment["status_transitions"]["paid_at"] = rt.now()
    rt.emit("invoice_payment.paid", payment)


def void(rt: Runtime, invoice: dict[str, Any]) -> None:
    if invoice["status"] not in {"open", "uncollectible"}:
        raise invalid(
            "You can only pass in open or uncollectible invoices. "
            f"This invoice is {invoice['status']}.",
            param="invoice",
        )
    ending = invoice["ending_balance"]
    used = 0 if ending is None else ending - invoice["starting_balance"]
    if used:
        # The balance the invoice took (or gave) goes back.
        from fakestripe.balance import change

        customer = rt.store.require("customer", invoice["customer"])
        change(
            rt,
            customer,
            -used,
            kind="unapplied_from_invoice",
            currency=invoice["currency"],
            invoice=invoice["id"],
        )
    invoice.update(status="void", next_payment_attempt=None, auto_advance=False, amount_remaining=0)
    invoice["status_transitions"]["voided_at"] = rt.now()
    rt.store.mark_dirty()
    rt.emit("invoice.voided", invoice)
    activate_subscription(rt, invoice, resumes=False)


def mark_uncollectible(rt: Runtime, invoice: dict[str, Any], *, reason: str) -> None:
    """Open -> uncollectible, saying why (endive ``status_details.uncollectible.reason``). A
    paused subscription's resumption invoice marked uncollectible resumes it."""
    if invoice["status"] != "open":
        raise invalid(
            f"You can only mark open invoices uncollectible. This invoice is {invoice['status']}.",
            param="invoice",
        )
    invoice.update(
        status="uncollectible",
        next_payment_attempt=None,
        auto_advance=False,
        status_details={"uncollectible": {"reason": reason}},
    )
    invoice["status_transitions"]["marked_uncollectible_at"] = rt.now()
    rt.store.mark_dirty()
    rt.emit("invoice.marked_uncollectible", invoice)
    sub = subscription_of(rt, invoice)
    if sub is not None and sub["status"] == "paused":
        from fakestripe.pausing import resumption_paid

        resumption_paid(rt, sub, invoice)


def preview_id() -> str:
    return "upcoming_" + new_id("in")
