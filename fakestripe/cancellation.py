"""Ending a subscription: now (``DELETE``, with ``prorate`` and ``invoice_now``), at a set time
(``cancel_at``, ``cancel_at_period_end``), or because its payments failed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.changes import remaining_time_charges, unused_time_credits
from fakestripe.invoiceitems import add_items, drop_pending_prorations, pending_lines
from fakestripe.invoicing import (
    LineSpec,
    charge_invoice,
    create_invoice,
    finalize,
    subscription_id_of,
)
from fakestripe.schedules import subscription_ended
from fakestripe.subscriptions import current_period

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


def cancel_now(
    rt: Runtime,
    sub: dict[str, Any],
    *,
    reason: str,
    comment: str | None = None,
    feedback: str | None = None,
    prorate: bool = False,
    invoice_now: bool = False,
) -> dict[str, Any] | None:
    """End ``sub`` now. ``prorate`` credits the unused rest of the period (a pending proration
    invoice item); ``invoice_now`` bills whatever is pending at once, on a final invoice, which
    is returned. With neither, pending prorations are removed, as at Stripe; other pending
    invoice items stay for the customer's next invoice."""
    now = rt.now()
    if prorate:
        add_items(
            rt,
            customer=sub["customer"],
            subscription=sub["id"],
            lines=unused_time_credits(rt, sub, since=now),
        )
    elif not invoice_now:
        drop_pending_prorations(rt, sub)
    sub.update(status="canceled", ended_at=now, canceled_at=sub["canceled_at"] or now)
    if sub["cancel_at"] is not None and sub["cancel_at"] > now:
        sub["cancel_at"] = None
    sub["cancellation_details"].update(reason=reason)
    if comment is not None:
        sub["cancellation_details"]["comment"] = comment
    if feedback is not None:
        sub["cancellation_details"]["feedback"] = feedback
    # Stripe stops collecting the subscription's finalized invoices.
    for invoice in rt.store.all("invoice", lambda i: i["status"] in {"open", "draft"}):
        if subscription_id_of(invoice) == sub["id"]:
            invoice.update(next_payment_attempt=None, auto_advance=False)
    rt.store.mark_dirty()
    final = _final_invoice(rt, sub) if invoice_now else None
    rt.emit("customer.subscription.deleted", sub)
    subscription_ended(rt, sub)
    if final is not None and final["status"] == "open":
        charge_invoice(rt, final, automatic=False)
    return final


def _final_invoice(rt: Runtime, sub: dict[str, Any]) -> dict[str, Any] | None:
    # The docs do not name the reason of a cancellation's final invoice; a cancellation is an
    # update of the subscription.
    return invoice_pending(rt, sub)


def invoice_pending(
    rt: Runtime, sub: dict[str, Any], lines: list[LineSpec] | None = None
) -> dict[str, Any] | None:
    """Invoice ``lines`` and everything pending for ``sub`` now (``subscription_update``),
    finalized; None when there is nothing."""
    lines = [*(lines or []), *pending_lines(rt, sub)]
    if not lines:
        return None
    now = rt.now()
    invoice = create_invoice(
        rt,
        customer=rt.store.require("customer", sub["customer"]),
        subscription=sub,
        billing_reason="subscription_update",
        lines=lines,
        period=(now, now),
    )
    sub["latest_invoice"] = invoice["id"]
    finalize(rt, invoice, recover=False)
    return invoice


def reprorate_cancel_at(
    rt: Runtime, sub: dict[str, Any], old: int | None, new: int | None, *, behavior: str
) -> None:
    """Moving ``cancel_at`` inside the current period credits the time after it (and charges
    back what an earlier ``cancel_at`` credited), per ``proration_behavior``."""
    if behavior == "none" or old == new:
        return
    start, end = current_period(rt, sub)
    lines: list[LineSpec] = []
    if old is not None and start <= old < end:
        lines += remaining_time_charges(rt, sub, since=old)
    if new is not None and start <= new < end:
        lines += unused_time_credits(rt, sub, since=new)
    if not lines:
        return
    add_items(rt, customer=sub["customer"], subscription=sub["id"], lines=lines)
    if behavior == "always_invoice":
        invoice = invoice_pending(rt, sub)
        if invoice is not None and invoice["status"] == "open":
            charge_invoice(rt, invoice)


def set_cancel_at(rt: Runtime, sub: dict[str, Any], cancel_at: int | None) -> None:
    """Schedule (or with None, undo) a cancellation; no event, the caller emits one."""
    _, end = current_period(rt, sub)
    if cancel_at is None:
        sub.update(cancel_at=None, cancel_at_period_end=False, canceled_at=None)
        sub["cancellation_details"].update(reason=None)
        return
    sub.update(
        cancel_at=cancel_at,
        cancel_at_period_end=cancel_at == end,
        canceled_at=rt.now(),
    )
    sub["cancellation_details"].update(reason="cancellation_requested")


def scheduled_cancel(rt: Runtime, sub: dict[str, Any]) -> None:
    """The moment ``cancel_at`` arrives. Pending prorations are collected on a final invoice
    ("left in place and collected at the end of the period")."""
    cancel_now(
        rt,
        sub,
        reason=sub["cancellation_details"].get("reason") or "cancellation_requested",
        invoice_now=True,
    )
