"""Pausing a subscription (endive's pause endpoint: ``status=paused``, no invoices, no new
periods) and resuming it.

Resuming may need a *resumption invoice* (the new period with ``billing_cycle_anchor=now``, or
the prorated rest of the current one with ``unchanged``); Stripe finalizes it at once, and
``payment_behavior`` decides when the subscription is active again:

* ``resume_on_payment_attempt`` (default): no payment in the resume request; the subscription
  stays ``paused`` until a payment is attempted (``Invoice.pay``): paid -> ``active``, failed ->
  ``past_due`` (no retries). No attempt within 23 hours: the invoice is voided, still paused.
* ``resume_on_payment_success``: paid in the request; the subscription stays ``paused`` until
  a payment succeeds, with the usual retries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.cancellation import invoice_pending
from fakestripe.changes import remaining_time_charges, unused_time_credits
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.invoiceitems import add_items
from fakestripe.invoicing import charge_invoice, regular_line
from fakestripe.objects.billing import subscription_items
from fakestripe.periods import period_end
from fakestripe.subscriptions import current_period

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

RESUMPTION_EXPIRY = 23 * 3600
PAUSABLE = ("active", "past_due")


def pause(
    rt: Runtime,
    sub: dict[str, Any],
    *,
    unused_time_from: str = "now",
    invoicing_behavior: str = "pending_invoice_item",
    reason: str = "pause_requested",
) -> dict[str, Any] | None:
    """Pause ``sub``: credit its unused time (from now, from the period start, or not at all)
    as pending invoice items, or on an invoice right away. Returns that invoice, if any."""
    if sub["status"] not in PAUSABLE:
        raise invalid(
            f"A subscription with status {sub['status']} cannot be paused.", param="subscription"
        )
    if sub["schedule"]:
        raise invalid(
            "Cannot pause a subscription that has an attached subscription schedule.",
            param="subscription",
        )
    now = rt.now()
    start, _ = current_period(rt, sub)
    since = {"now": now, "item_current_period_start": start}.get(unused_time_from)
    if since is not None:
        credits = unused_time_credits(rt, sub, since=since)
        add_items(rt, customer=sub["customer"], subscription=sub["id"], lines=credits)
    before = rt.render(sub)
    sub["status"] = "paused"
    sub["status_details"] = {
        "paused": {"subscription": {"type": reason}, "transitioned_at": now, "type": "subscription"}
    }
    invoice = None
    if invoicing_behavior == "invoice":
        invoice = invoice_pending(rt, sub)
    rt.store.mark_dirty()
    rt.emit("customer.subscription.paused", sub)
    emit_updated(rt, "customer.subscription.updated", sub, before)
    if invoice is not None and invoice["status"] == "open":
        charge_invoice(rt, invoice, automatic=False)
    return invoice


def resume(
    rt: Runtime,
    sub: dict[str, Any],
    *,
    anchor: str = "now",
    proration_behavior: str = "create_prorations",
    proration_date: int | None = None,
    payment_behavior: str = "resume_on_payment_attempt",
) -> None:
    if sub["status"] != "paused":
        raise invalid("Only a paused subscription can be resumed.", param="subscription")
    now = rt.now()
    at = proration_date if proration_date is not None else now
    items = subscription_items(rt, sub["id"])
    _, end = current_period(rt, sub)
    private = rt.store.private(sub["id"])
    lines: list[Any] = []
    invoice_now = False
    if anchor == "now" or end <= now:
        # A new period starts now and is billed in full.
        sub["billing_cycle_anchor"] = now
        private["cycle"] = 1
        new_end = period_end(now, private["interval"], private["interval_count"], 1)
        for item in items:
            item.update(current_period_start=now, current_period_end=new_end)
        lines = [
            regular_line(
                rt, rt.store.get("price", i["price"]), i["quantity"], (now, new_end), i["id"]
            )
            for i in items
        ]
        invoice_now = True
    elif proration_behavior != "none":
        # The rest of the current period is charged: pending, or invoiced now.
        charges = remaining_time_charges(rt, sub, since=at)
        add_items(rt, customer=sub["customer"], subscription=sub["id"], lines=charges)
        invoice_now = proration_behavior == "always_invoice"
    invoice = invoice_pending(rt, sub, lines) if invoice_now else None
    if invoice is None or invoice["status"] == "paid":
        activate(rt, sub)
        return
    rt.store.private(invoice["id"])["resumption"] = payment_behavior
    if payment_behavior == "resume_on_payment_success":
        charge_invoice(rt, invoice)
    else:
        # Nothing is tried until someone pays it; Stripe voids it after 23 hours.
        invoice.update(auto_advance=False, next_payment_attempt=None)
        rt.store.mark_dirty()


def activate(rt: Runtime, sub: dict[str, Any]) -> None:
    """Paused -> active (``customer.subscription.resumed``)."""
    before = rt.render(sub)
    sub.update(status="active", status_details=None)
    rt.store.mark_dirty()
    rt.emit("customer.subscription.resumed", sub)
    emit_updated(rt, "customer.subscription.updated", sub, before)


def resumption_paid(rt: Runtime, sub: dict[str, Any], invoice: dict[str, Any]) -> bool:
    """A paused subscription's resumption invoice got paid: it is active again."""
    if sub["status"] != "paused" or not rt.store.private(invoice["id"]).get("resumption"):
        return False
    activate(rt, sub)
    return True


def resumption_failed(rt: Runtime, sub: dict[str, Any], invoice: dict[str, Any]) -> bool:
    """A failed payment of a resumption invoice. On ``resume_on_payment_attempt`` the
    subscription resumes anyway, ``past_due`` and without retries; on
    ``resume_on_payment_success`` it stays paused while Stripe retries. True if handled."""
    behavior = rt.store.private(invoice["id"]).get("resumption")
    if sub["status"] != "paused" or not behavior:
        return False
    if behavior == "resume_on_payment_attempt":
        invoice.update(next_payment_attempt=None, auto_advance=False)
        before = rt.render(sub)
        sub.update(status="past_due", status_details=None)
        rt.emit("customer.subscription.resumed", sub)
        emit_updated(rt, "customer.subscription.updated", sub, before)
    return True


def expire_resumption(rt: Runtime, invoice: dict[str, Any]) -> None:
    """23 hours without a payment attempt: Stripe voids the invoice; still paused."""
    from fakestripe.invoicing import void

    void(rt, invoice)
