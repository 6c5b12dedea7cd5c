"""An invoice.paid handled before anything about its subscription: recording the payment
creates the membership too, and takes billing's locks in their one order (subscription,
member, invoice). Before the fix it synced the membership, which locks the member, while
holding the invoice's lock; the shuffled-delivery test hit that now and then."""

from __future__ import annotations

import pytest

from billing import gateway
from billing.models import Membership, Payment
from billing.payments import payment_record_from_invoice
from tests.billing.money_path import drain, signed_in, start_checkout

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe, pytest.mark.worker]


def test_a_paid_invoice_recorded_first_creates_its_membership_in_lock_order(
    stripe_stand_in: object,
) -> None:
    client, member = signed_in()
    session = start_checkout(client)
    stripe_stand_in.hold_webhooks()  # type: ignore[attr-defined]
    stripe_stand_in.pay_checkout_session(session.stripe_session_id)  # type: ignore[attr-defined]
    paid = gateway.checkout_session_retrieve(session_id=session.stripe_session_id)
    invoice_id = gateway.subscription_retrieve(subscription_id=paid["subscription"])[
        "latest_invoice"
    ]
    assert not Membership.objects.exists()
    # The test settings make a lock taken out of order raise (BILLING_CHECK_LOCK_ORDER).
    payment = payment_record_from_invoice(invoice_id=invoice_id)
    assert payment is not None
    assert (payment.user, payment.membership.user) == (member, member)
    assert Membership.objects.get().stripe_subscription_id == paid["subscription"]
    stripe_stand_in.release_webhooks()  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert Payment.objects.count() == 1
