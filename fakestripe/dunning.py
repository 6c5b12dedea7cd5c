"""Failed invoice payments: the retry schedule, hard declines, and what happens after the last
attempt (Dashboard > Revenue recovery > Retries at Stripe; here ``--payment-retry-days``,
``--retries-exhausted``, ``--invoice-after-retries`` or ``/_control/settings``).

Stripe does not retry an automatic payment after a hard decline (a lost, stolen or expired
card, an incorrect number...) or without a payment method; the schedule then ends at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.cards import Decline
from fakestripe.events import emit_updated
from fakestripe.periods import DAY

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

# Issuer answers a retry cannot change.
HARD_DECLINES = frozenset(
    {
        "card_not_supported",
        "expired_card",
        "fraudulent",
        "incorrect_number",
        "invalid_account",
        "lost_card",
        "pickup_card",
        "revocation_of_all_authorizations",
        "revocation_of_authorization",
        "stolen_card",
        "test_mode_live_card",
    }
)


def is_hard(decline: Decline) -> bool:
    return decline.code == "resource_missing" or (decline.decline_code or "") in HARD_DECLINES


def next_attempt(rt: Runtime, invoice: dict[str, Any], decline: Decline) -> int | None:
    """When the next automatic attempt is due, None when the schedule is over."""
    private = rt.store.private(invoice["id"])
    if is_hard(decline):
        return None
    schedule = rt.settings.payment_retry_days
    done = private.get("automatic_attempts", 0)
    if done - 1 >= len(schedule):
        return None
    return private["first_attempt_at"] + schedule[done - 1] * DAY


def payment_failed(
    rt: Runtime,
    invoice: dict[str, Any],
    sub: dict[str, Any] | None,
    decline: Decline,
    *,
    automatic: bool,
) -> None:
    from fakestripe.pausing import resumption_failed

    if sub is not None and invoice["collection_method"] == "charge_automatically":
        if automatic:
            invoice["next_payment_attempt"] = next_attempt(rt, invoice, decline)
    else:
        invoice["next_payment_attempt"] = None
    rt.store.mark_dirty()
    rt.emit("invoice.payment_failed", invoice)
    if sub is None or resumption_failed(rt, sub, invoice):
        return
    if sub["status"] == "active":
        before = rt.render(sub)
        sub["status"] = "past_due"
        emit_updated(rt, "customer.subscription.updated", sub, before)
    if automatic and invoice["next_payment_attempt"] is None:
        retries_exhausted(rt, invoice, sub)


def retries_exhausted(rt: Runtime, invoice: dict[str, Any], sub: dict[str, Any]) -> None:
    """The schedule is over: the invoice stays open or becomes uncollectible, the
    subscription is canceled, unpaid, or left past due, as configured."""
    from fakestripe.cancellation import cancel_now
    from fakestripe.invoicing import mark_uncollectible

    invoice["auto_advance"] = False
    if rt.settings.invoice_after_retries == "uncollectible" and invoice["status"] == "open":
        mark_uncollectible(rt, invoice, reason="max_payment_attempts")
    policy = rt.settings.retries_exhausted
    if policy == "cancel":
        cancel_now(rt, sub, reason="payment_failed")
    elif policy == "unpaid" and sub["status"] != "unpaid":
        before = rt.render(sub)
        sub["status"] = "unpaid"
        emit_updated(rt, "customer.subscription.updated", sub, before)
