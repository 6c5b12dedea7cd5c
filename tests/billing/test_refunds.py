"""Refunds follow Stripe's refunds: a refund that fails gives the amount back to the payment.

Real parts: the stand-in takes the payment and the refunds, the worker records them. What the
stand-in cannot do is fail a refund (its refunds always succeed, and its control API has no
way to fail one), so that one fact is stubbed: after the failure, `gateway.charge_retrieve`
in this process returns the stand-in's real charge with that refund marked failed and its
amount taken off `amount_refunded`, as Stripe reports a failed refund. The refund.failed
handler then runs in this process (the worker cannot see the stub), with webhooks held so
that the worker does not read the unstubbed charge at the same time.
"""

from __future__ import annotations

from typing import Any

import pytest

from billing import gateway
from billing.models import Payment
from billing.payments import refund_issue
from billing.webhooks.handlers import HANDLERS
from tests.billing.money_path import become_patron, drain
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe, pytest.mark.worker]


def fail_refund_at_stripe(monkeypatch: pytest.MonkeyPatch, refund_id: str) -> None:
    """From now on this process sees `refund_id` as failed (see the module docstring)."""
    real_charge_retrieve = gateway.charge_retrieve

    def charge_as_stripe_reports_it(*, charge_id: str) -> dict[str, Any]:
        charge = real_charge_retrieve(charge_id=charge_id)
        for refund in charge["refunds"]["data"]:
            if refund["id"] == refund_id:
                refund.update(status="failed", failure_reason="lost_or_stolen_card")
                charge["amount_refunded"] -= refund["amount"]
                charge["refunded"] = False
        return charge

    monkeypatch.setattr(gateway, "charge_retrieve", charge_as_stripe_reports_it)


def test_a_failed_refund_gives_the_amount_back_and_a_new_refund_is_a_new_one(
    stripe_stand_in: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    become_patron(stripe_stand_in, tier="insider")
    payment = Payment.objects.get()
    finance = UserFactory(roles=["finance"])
    refund_issue(payment=payment, amount=500, by=finance)
    drain(stripe_stand_in)
    payment.refresh_from_db()
    assert (payment.amount_refunded, payment.status) == (500, "partially_refunded")
    first = payment.refunds.get()

    stripe_stand_in.hold_webhooks()  # type: ignore[attr-defined]
    fail_refund_at_stripe(monkeypatch, first.stripe_refund_id)
    failed = gateway.client().v1.refunds.retrieve(first.stripe_refund_id).to_dict()
    failed.update(status="failed", failure_reason="lost_or_stolen_card")
    HANDLERS["refund.failed"]({"type": "refund.failed", "data": {"object": failed}})

    payment.refresh_from_db()
    assert (payment.amount_refunded, payment.status) == (0, "paid")
    first.refresh_from_db()
    assert first.status == "failed"

    # Finance refunds again. The first attempt's idempotency key named the same total, so a
    # key made of the total alone would replay the failed refund instead of making one.
    refund_issue(payment=payment, amount=500, by=finance)
    payment.refresh_from_db()
    assert (payment.amount_refunded, payment.status) == (500, "partially_refunded")
    at_stripe = gateway.client().v1.refunds.list({"charge": payment.stripe_charge_id})
    assert len(at_stripe.data) == 2
    assert sorted(payment.refunds.values_list("status", flat=True)) == ["failed", "succeeded"]


def test_refunded_amount_is_the_sum_of_the_refunds_at_stripe(stripe_stand_in: object) -> None:
    """Three partial refunds through the worker, in whatever order their events arrive."""
    become_patron(stripe_stand_in, tier="insider")
    payment = Payment.objects.get()
    stripe_stand_in.hold_webhooks()  # type: ignore[attr-defined]
    for amount in (100, 200, 300):
        gateway.refund_create(
            charge_id=payment.stripe_charge_id,
            amount=amount,
            reason="requested_by_customer",
            metadata={},
            idempotency_key=f"test-refund-{payment.pk}-{amount}",
        )
    stripe_stand_in.release_webhooks(order="reverse")  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    payment.refresh_from_db()
    assert (payment.amount_refunded, payment.status) == (600, "partially_refunded")
    assert sorted(payment.refunds.values_list("amount", flat=True)) == [100, 200, 300]
