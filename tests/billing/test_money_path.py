"""Becoming a patron end to end: the site, the Stripe stand-in (a real server speaking
Stripe's API, sending signed webhooks), PostgreSQL, Redis and a real Celery worker."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client

from billing.models import CheckoutSession, Membership, Payment, WebhookEvent
from fakestripe.control import FakeStripeControlError
from members.models import OutboundEmail, User
from tests.billing.money_path import become_patron, drain, signed_in, start_checkout
from tests.members.factories import UserFactory
from tests.utils import mailbox, text_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.stripe,
    pytest.mark.worker,
]


def event_type(event_id: str) -> str:
    from billing import gateway

    return gateway.client().v1.events.retrieve(event_id).type


def receipts() -> list:
    return [m for m in mailbox() if m["Subject"].startswith("Your receipt")]


def test_member_becomes_a_patron_with_exactly_one_receipt(stripe_stand_in: object) -> None:
    member = UserFactory(email="ana@example.org")
    client = Client()
    client.force_login(member)
    session = start_checkout(client)
    assert session.user == member
    assert session.url.startswith(stripe_stand_in.base_url)  # type: ignore[attr-defined]

    stripe_stand_in.pay_checkout_session(session.stripe_session_id)  # type: ignore[attr-defined]
    drain(stripe_stand_in)

    membership = Membership.objects.get()
    assert (membership.user, membership.tier.slug, membership.status) == (
        member,
        "reader",
        "active",
    )
    assert (membership.amount, membership.currency, membership.interval) == (500, "eur", "month")
    assert membership.current_period_end > membership.current_period_start
    payment = Payment.objects.get()
    assert (payment.user, payment.membership, payment.amount, payment.currency) == (
        member, membership, 500, "eur"
    )  # fmt: skip
    assert payment.billing_reason == "subscription_create"
    assert payment.fee is not None
    assert 0 < payment.fee < payment.amount
    assert payment.stripe_invoice_id
    assert payment.stripe_charge_id

    sent = receipts()
    assert len(sent) == 1
    receipt = sent[0]
    assert receipt["To"] == "ana@example.org"
    assert "€5" in text_of(receipt)
    assert "Harbour Ledger Media gGmbH" in text_of(receipt)
    attachments = [part.get_filename() for part in receipt.iter_attachments()]
    assert attachments == [f"receipt-{payment.pk}.pdf"]
    pdf = next(receipt.iter_attachments()).get_content()
    assert pdf.startswith(b"%PDF")
    assert Counter(OutboundEmail.objects.values_list("kind", flat=True)) == {
        "receipt": 1,
        "welcome": 1,
    }

    thanks = client.get(f"/support/thanks/?session_id={session.stripe_session_id}")
    assert "You are now a Reader patron." in thanks.content.decode()
    my_support = client.get("/account/support/").content.decode()
    assert "€5 a month" in my_support
    # The status as a person reads it (not the CSS class `badge--active`, which is always there).
    assert '<span class="badge badge--active">Active</span>' in my_support


def test_reader_without_account_gets_one_from_the_webhook(stripe_stand_in: object) -> None:
    client = Client()
    session = start_checkout(client, tier="insider", currency="usd", interval="year")
    assert session.user is None
    stripe_stand_in.pay_checkout_session(  # type: ignore[attr-defined]
        session.stripe_session_id, email="New.Reader@Example.ORG", name="New Reader"
    )
    drain(stripe_stand_in)

    user = User.objects.get()
    assert user.email == "new.reader@example.org"
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.tier.slug, membership.amount, membership.currency, membership.interval) == (
        "insider", 13000, "usd", "year"
    )  # fmt: skip
    assert [m["To"] for m in receipts()] == ["new.reader@example.org"]
    session.refresh_from_db()
    assert (session.status, session.user) == ("complete", user)

    # The same email, in another case, buying again later links to the same account.
    UserFactory(email="someone@example.org")
    assert User.objects.filter(email__iexact="new.reader@example.org").count() == 1


def test_declined_card_grants_nothing_and_the_reader_can_retry(stripe_stand_in: object) -> None:
    client, _ = signed_in()
    session = start_checkout(client)
    with pytest.raises(FakeStripeControlError) as declined:
        stripe_stand_in.pay_checkout_session(  # type: ignore[attr-defined]
            session.stripe_session_id, card="4000000000000002"
        )
    assert declined.value.status == 402
    assert declined.value.body["error"]["code"] == "card_declined"
    drain(stripe_stand_in)
    assert Membership.objects.count() == 0
    assert Payment.objects.count() == 0
    assert receipts() == []
    thanks = client.get(f"/support/thanks/?session_id={session.stripe_session_id}")
    assert "We are confirming your payment" in thanks.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in thanks.content.decode()

    # Same session, another card: Stripe Checkout lets the reader retry on its page.
    stripe_stand_in.pay_checkout_session(session.stripe_session_id)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert Membership.objects.get().status == "active"
    assert len(receipts()) == 1


def test_one_time_contribution_is_recorded_with_a_receipt(stripe_stand_in: object) -> None:
    client = Client()
    session = start_checkout(client, tier="", interval="once", currency="gbp", amount="25")
    assert (session.mode, session.amount) == ("payment", 2500)
    stripe_stand_in.pay_checkout_session(  # type: ignore[attr-defined]
        session.stripe_session_id, email="giver@example.org"
    )
    drain(stripe_stand_in)
    payment = Payment.objects.get()
    assert (payment.kind, payment.amount, payment.currency, payment.user.email) == (
        "one_time", 2500, "gbp", "giver@example.org"
    )  # fmt: skip
    assert Membership.objects.count() == 0
    assert [m["To"] for m in receipts()] == ["giver@example.org"]
    assert "£25" in text_of(receipts()[0])


def test_custom_amount_membership(stripe_stand_in: object) -> None:
    become_patron(stripe_stand_in, amount="7.50")
    membership = Membership.objects.get()
    assert (membership.tier.slug, membership.amount, membership.custom_amount) == (
        "reader", 750, True
    )  # fmt: skip


def test_double_click_makes_one_checkout_session(stripe_stand_in: object) -> None:
    client, _ = signed_in()
    first = start_checkout(client)
    second = start_checkout(client)
    assert first.pk == second.pk
    assert CheckoutSession.objects.count() == 1


def test_every_event_five_times_shuffled_and_concurrent(stripe_stand_in: object) -> None:
    client, _ = signed_in()
    session = start_checkout(client)
    stripe_stand_in.hold_webhooks()  # type: ignore[attr-defined]
    stripe_stand_in.pay_checkout_session(session.stripe_session_id)  # type: ignore[attr-defined]
    stripe_stand_in.advance(days=32)  # type: ignore[attr-defined]  # a renewal, too
    held = stripe_stand_in.held_webhooks()  # type: ignore[attr-defined]
    types = Counter(event_type(h["event"]) for h in held)
    assert types["invoice.paid"] == 2
    assert types["checkout.session.completed"] == 1

    stripe_stand_in.release_webhooks(  # type: ignore[attr-defined]
        order="shuffle", duplicates=5, concurrent=True, seed=7
    )
    drain(stripe_stand_in, timeout=120)

    # Every distinct event is stored once, whatever the duplicates (setup's catalog events
    # were delivered before the hold).
    held_ids = {h["event"] for h in held}
    assert WebhookEvent.objects.filter(stripe_id__in=held_ids).count() == len(held_ids)
    assert Membership.objects.count() == 1
    assert Membership.objects.get().status == "active"
    invoices = Counter(Payment.objects.values_list("stripe_invoice_id", flat=True))
    assert len(invoices) == 2
    assert set(invoices.values()) == {1}
    assert len(receipts()) == 2
    assert Counter(OutboundEmail.objects.values_list("kind", flat=True)) == {
        "receipt": 2,
        "welcome": 1,
    }


def test_reverse_order_delivery_ends_in_the_newest_state(stripe_stand_in: object) -> None:
    become_patron(stripe_stand_in)
    subscription_id = Membership.objects.get().stripe_subscription_id
    stripe_stand_in.hold_webhooks()  # type: ignore[attr-defined]
    # Cancel at period end, then the period ends: updated(cancel_at_period_end) then deleted.
    from billing import gateway

    gateway.client().v1.subscriptions.update(subscription_id, {"cancel_at_period_end": True})
    stripe_stand_in.advance(days=32)  # type: ignore[attr-defined]
    stripe_stand_in.release_webhooks(order="reverse")  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    membership = Membership.objects.get()
    assert membership.status == "canceled"
    assert membership.ended_at is not None
    assert OutboundEmail.objects.filter(kind="membership_ended").count() == 1


def test_failing_renewal_goes_past_due_then_ends(stripe_stand_in: object) -> None:
    become_patron(stripe_stand_in, card="4000000000000341")
    assert Membership.objects.get().status == "active"

    stripe_stand_in.advance(days=31)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert Membership.objects.get().status == "past_due"
    assert OutboundEmail.objects.filter(kind="payment_failed").count() == 1
    assert Payment.objects.count() == 1  # the failed renewal moved no money

    stripe_stand_in.advance(days=30)  # type: ignore[attr-defined]  # through every retry
    drain(stripe_stand_in)
    membership = Membership.objects.get()
    assert membership.status == "canceled"
    assert OutboundEmail.objects.filter(kind="payment_failed").count() >= 2
    assert OutboundEmail.objects.filter(kind="membership_ended").count() == 1
    assert len(receipts()) == 1
    # The last attempt says so; the end is a "sorry to see you go", with the way back.
    failed = [m for m in mailbox() if m["Subject"] == "Your payment did not go through"]
    assert "This was our last try" in text_of(failed[-1])
    [goodbye] = [m for m in mailbox() if m["Subject"].startswith("Sorry to see you go")]
    assert "/support/" in text_of(goodbye)


def test_success_page_fulfils_before_the_webhook_and_the_webhook_finds_it_done(
    stripe_stand_in: object,
) -> None:
    client, _ = signed_in()
    session = start_checkout(client)
    stripe_stand_in.hold_webhooks()  # type: ignore[attr-defined]
    stripe_stand_in.pay_checkout_session(session.stripe_session_id)  # type: ignore[attr-defined]
    page = client.get(f"/support/thanks/?session_id={session.stripe_session_id}")
    assert "You are now a Reader patron." in page.content.decode()
    assert Membership.objects.get().status == "active"
    # Nothing about this payment has reached us through a webhook yet.
    assert not WebhookEvent.objects.filter(
        type__in=["checkout.session.completed", "invoice.paid", "customer.subscription.created"]
    ).exists()
    stripe_stand_in.release_webhooks()  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert Membership.objects.count() == 1
    assert Payment.objects.count() == 1
    assert len(receipts()) == 1


def test_forged_or_foreign_session_id_grants_nothing(stripe_stand_in: object) -> None:
    owner = UserFactory()
    owner_client = Client()
    owner_client.force_login(owner)
    session = start_checkout(owner_client)
    stripe_stand_in.hold_webhooks()  # type: ignore[attr-defined]
    stripe_stand_in.pay_checkout_session(session.stripe_session_id)  # type: ignore[attr-defined]

    stranger = Client()
    stranger.force_login(UserFactory())
    for session_id in (session.stripe_session_id, "cs_test_forged", "' OR 1=1 --"):
        page = stranger.get("/support/thanks/", {"session_id": session_id}).content.decode()
        assert "If you have just paid, we are confirming" in page
        assert "Reader patron" not in page
    # The stranger's visit fulfilled nothing; the owner's payment is still waiting for Stripe.
    assert Membership.objects.count() == 0
    stripe_stand_in.release_webhooks()  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert Membership.objects.get().user == owner


def test_refund_and_dispute_are_recorded(stripe_stand_in: object) -> None:
    from billing.payments import refund_issue

    become_patron(stripe_stand_in, tier="insider")
    payment = Payment.objects.get()
    staff = UserFactory(roles=["finance"])
    refund_issue(payment=payment, amount=200, by=staff)
    refund_issue(payment=payment, amount=200, by=staff)  # a second partial refund
    drain(stripe_stand_in)
    payment.refresh_from_db()
    assert (payment.amount_refunded, payment.status) == (400, "partially_refunded")
    assert sorted(payment.refunds.values_list("amount", flat=True)) == [200, 200]
    assert OutboundEmail.objects.filter(kind="refund").count() == 2

    dispute = stripe_stand_in.create_dispute(payment.stripe_charge_id)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert payment.disputes.get().status == dispute["status"]
    stripe_stand_in.close_dispute(dispute["id"], status="lost")  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert payment.disputes.get().status == "lost"


def test_second_subscription_from_another_tab_is_cancelled_and_refunded(
    stripe_stand_in: object,
) -> None:
    client, _ = signed_in()
    # Two tabs, two tiers, both paid: the member must end with one membership.
    first = start_checkout(client, tier="reader")
    second = start_checkout(client, tier="insider")
    stripe_stand_in.pay_checkout_session(first.stripe_session_id)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    # Stripe's times are whole seconds: two payments within one second would start at the
    # same time, and "the older one" would be decided by the ids' order. One tab paid later.
    stripe_stand_in.advance(seconds=2)  # type: ignore[attr-defined]
    stripe_stand_in.pay_checkout_session(second.stripe_session_id)  # type: ignore[attr-defined]
    drain(stripe_stand_in)

    live = Membership.objects.get(status="active")
    assert live.tier.slug == "reader"
    duplicate = Membership.objects.get(tier__slug="insider")
    assert duplicate.status == "canceled"
    assert "Duplicate of" in duplicate.note
    refunded = Payment.objects.get(membership=duplicate)
    assert (refunded.amount_refunded, refunded.status) == (1200, "refunded")
    from billing import gateway

    at_stripe = gateway.subscription_retrieve(subscription_id=duplicate.stripe_subscription_id)
    assert at_stripe["status"] == "canceled"


def test_finance_refunds_from_the_admin_and_staff_cannot(stripe_stand_in: object) -> None:
    become_patron(stripe_stand_in, tier="patron")
    payment = Payment.objects.get()
    action = {"action": "refund_in_full", "_selected_action": [payment.pk]}

    staff = Client()
    staff.force_login(UserFactory(roles=["staff"], is_staff=True))
    listing = staff.get("/admin/billing/payment/")
    assert listing.status_code == 200  # staff may look
    assert "refund_in_full" not in listing.content.decode()  # but are not offered refunds
    staff.post("/admin/billing/payment/", action, follow=True)
    payment.refresh_from_db()
    assert payment.amount_refunded == 0

    finance = Client()
    finance.force_login(UserFactory(roles=["finance"], is_staff=True))
    done = finance.post("/admin/billing/payment/", action, follow=True)
    assert "Refunded" in done.content.decode()
    drain(stripe_stand_in)
    payment.refresh_from_db()
    assert (payment.amount_refunded, payment.status) == (3000, "refunded")
    assert payment.refunds.get().created_by.groups.get().name == "finance"
