"""Billing's part of "Download my data" and "Delete my account", with the real stand-in."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import override_settings

from billing import gateway
from billing.models import BillingCustomer, Membership, Payment
from members.models import OutboundEmail, User
from scripts.devstack import free_port
from tests.billing.money_path import become_patron, drain, signed_in, start_checkout
from tests.members.factories import PASSWORD
from tests.utils import mailbox

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe, pytest.mark.worker]


def test_export_lists_memberships_and_payments(stripe_stand_in: object) -> None:
    client, _, _ = become_patron(stripe_stand_in, tier="insider")
    data = json.loads(client.get("/account/data/download/").content)
    [membership] = data["billing"]["memberships"]
    assert (membership["tier"], membership["status"], membership["amount"]) == (
        "Insider", "active", 1200
    )  # fmt: skip
    [payment] = data["billing"]["payments"]
    assert (payment["amount"], payment["currency"]) == (1200, "eur")
    assert payment["invoice"] == Payment.objects.get().stripe_invoice_id


def test_deleting_the_account_cancels_at_stripe_and_keeps_the_books(
    stripe_stand_in: object,
) -> None:
    client, member, _ = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    payment = Payment.objects.get()
    response = client.post("/account/delete/", {"password": PASSWORD})
    assert response.status_code == 302

    at_stripe = gateway.subscription_retrieve(subscription_id=membership.stripe_subscription_id)
    assert at_stripe["status"] == "canceled"
    membership.refresh_from_db()
    assert membership.status == "canceled"
    user = User.objects.get(pk=member.pk)
    assert user.email == f"deleted-{member.pk}@invalid"
    assert not user.is_active
    # Accounting keeps amount, date and invoice id, still tied to the (anonymous) record.
    payment.refresh_from_db()
    assert (payment.user_id, payment.amount, payment.stripe_invoice_id) == (
        member.pk, 500, membership.payments.get().stripe_invoice_id
    )  # fmt: skip
    drain(stripe_stand_in)
    # A member who deletes their account is not sent "your membership has ended".
    goodbye = user.emails.get(kind="membership_ended")
    assert (goodbye.status, goodbye.sent_at) == ("skipped", None)


def test_deletion_stops_when_stripe_cannot_be_reached(
    stripe_stand_in: object, stripe_api_base: str
) -> None:
    client, member, _ = become_patron(stripe_stand_in)
    with override_settings(STRIPE_API_BASE=f"http://127.0.0.1:{free_port()}"):
        response = client.post("/account/delete/", {"password": PASSWORD})
    assert response.status_code == 200
    assert "deleted nothing" in response.content.decode()
    user = User.objects.get(pk=member.pk)
    assert (user.email, user.is_active) == (member.email, True)
    assert Membership.objects.get().status == "active"
    assert stripe_api_base == settings.STRIPE_API_BASE


def goodbye_after_a_later_cancellation(stripe_stand_in: object, member: User) -> OutboundEmail:
    """The member cancels at Stripe (as in the portal, at once); the worker copies it."""
    membership = Membership.objects.get()
    assert membership.status == "active"
    gateway.subscription_cancel(subscription_id=membership.stripe_subscription_id)
    drain(stripe_stand_in)
    assert Membership.objects.get().status == "canceled"
    return OutboundEmail.objects.get(kind="membership_ended", user=member)


def test_a_deletion_stopped_by_stripe_down_leaves_the_goodbye_for_later(
    stripe_stand_in: object,
) -> None:
    client, member, _ = become_patron(stripe_stand_in)
    with override_settings(STRIPE_API_BASE=f"http://127.0.0.1:{free_port()}"):
        response = client.post("/account/delete/", {"password": PASSWORD})
    assert "deleted nothing" in response.content.decode()

    goodbye = goodbye_after_a_later_cancellation(stripe_stand_in, member)
    assert goodbye.status == "sent"
    assert [m["To"] for m in mailbox() if m["Subject"] == goodbye.subject] == [member.email]


def test_a_cancel_that_fails_at_stripe_takes_nothing_for_later(
    stripe_stand_in: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stripe answers, but its cancel fails: a failure the stand-in cannot be told to make,
    so `gateway.subscription_cancel` is stubbed (in this process, the site's) to raise what
    the gateway raises for a 500. Everything else is real."""
    client, member, _ = become_patron(stripe_stand_in)

    def cancel_fails(*, subscription_id: str) -> dict:
        raise gateway.GatewayUnavailable("Stripe answered 500")

    with monkeypatch.context() as patched:
        patched.setattr(gateway, "subscription_cancel", cancel_fails)
        response = client.post("/account/delete/", {"password": PASSWORD})
    assert "deleted nothing" in response.content.decode()
    assert not OutboundEmail.objects.filter(kind="membership_ended").exists()

    goodbye = goodbye_after_a_later_cancellation(stripe_stand_in, member)
    assert goodbye.status == "sent"


def test_deletion_cancels_a_subscription_we_have_not_mirrored_yet_and_redacts_the_customer(
    stripe_stand_in: object,
) -> None:
    """The member pays and deletes their account before any webhook of that payment reached
    us (held at the stand-in): Stripe has an active subscription we know nothing of."""
    client, member = signed_in(display_name="Olena Petrenko")
    session = start_checkout(client)
    stripe_stand_in.hold_webhooks()  # type: ignore[attr-defined]
    stripe_stand_in.pay_checkout_session(session.stripe_session_id)  # type: ignore[attr-defined]
    assert not Membership.objects.exists()
    [customer_id] = BillingCustomer.objects.filter(user=member).values_list(
        "stripe_customer_id", flat=True
    )
    gateway.customer_update(customer_id=customer_id, phone="+380441234567")
    [sub] = gateway.subscription_list(customer_id=customer_id)
    assert sub["status"] == "active"

    response = client.post("/account/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    at_stripe = gateway.subscription_retrieve(subscription_id=sub["id"])
    assert at_stripe["status"] == "canceled"
    customer = gateway.customer_retrieve(customer_id=customer_id)
    assert (customer["name"], customer["email"], customer["phone"], customer["address"]) == (
        None, None, None, None
    )  # fmt: skip
    assert customer["metadata"] == {"user_id": str(member.pk)}

    # The held events arrive after the deletion: they change nothing and tell nobody.
    stripe_stand_in.release_webhooks()  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    membership = Membership.objects.get()
    assert (membership.user_id, membership.status) == (member.pk, "canceled")
    assert User.objects.count() == 1
    assert OutboundEmail.objects.get(kind="membership_ended").status == "skipped"
    assert not OutboundEmail.objects.filter(kind="welcome", status="sent").exists()
