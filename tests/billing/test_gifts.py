"""Gift memberships end to end: a reader buys 3 months for someone's email, pays at the stand-in
and gets the receipt; on the delivery date the recipient is emailed a link by the worker;
claiming it makes their account and a gift membership; a week before it ends they are invited
to continue (issue 13). Real stand-in, worker, PostgreSQL and Redis."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.utils import timezone

from billing.gifts import claim_token, gifts_deliver, gifts_remind_ending
from billing.models import CheckoutSession, Gift, Membership, Payment
from billing.selectors import entitlement_for
from members.models import OutboundEmail, User
from tests.billing.money_path import drain
from tests.utils import mailbox, text_of, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe, pytest.mark.worker]


def _give(client: Client, **fields: str) -> Gift:
    data = {
        "tier": "insider",
        "months": "3",
        "currency": "eur",
        "recipient_email": "Friend@Example.org",
        "recipient_name": "Bo",
        "giver_name": "Ana",
        "message": "Happy birthday!",
        "deliver_on": str(timezone.localdate()),
        **fields,
    }
    response = client.post("/support/gift/", data)
    assert response.status_code == 303, response.content.decode()[:3000]
    return Gift.objects.latest("created_at")


def test_a_gift_is_bought_delivered_claimed_and_runs_out(stripe_stand_in: object) -> None:
    buyer = Client()
    gift = _give(buyer, deliver_on=str(timezone.localdate() + timedelta(days=2)))
    assert (gift.status, gift.amount, gift.recipient_email) == ("open", 3600, "friend@example.org")
    session = CheckoutSession.objects.get(reference=gift.reference)
    stripe_stand_in.pay_checkout_session(  # type: ignore[attr-defined]
        session.stripe_session_id, email="ana@example.org"
    )
    drain(stripe_stand_in)
    gift.refresh_from_db()
    payment = Payment.objects.get()
    assert (gift.status, gift.payment, payment.amount, payment.user.email) == (
        "paid", payment, 3600, "ana@example.org",
    )  # fmt: skip
    [receipt] = [m for m in mailbox() if m["Subject"].startswith("Your receipt")]
    assert receipt["To"] == "ana@example.org"
    assert "Gift membership: Insider for 3 months" in text_of(receipt)
    assert not OutboundEmail.objects.filter(kind="gift_delivery").exists()  # not yet

    assert gifts_deliver(today=timezone.localdate() + timedelta(days=1)) == 0
    assert gifts_deliver(today=timezone.localdate() + timedelta(days=2)) == 1
    assert gifts_deliver(today=timezone.localdate() + timedelta(days=3)) == 0  # once
    wait_for(lambda: OutboundEmail.objects.filter(kind="gift_delivery", status="sent").exists())
    [delivery] = [m for m in mailbox() if "gave you a membership" in m["Subject"]]
    assert delivery["To"] == "friend@example.org"
    assert "Happy birthday!" in text_of(delivery)
    link = re.search(r"https?://\S+/gift/[^/\s]+/", text_of(delivery)).group(0)  # type: ignore[union-attr]

    recipient = Client()
    path = urlsplit(link).path
    page = recipient.get(path)
    assert "Ana gave you 3 months as a Insider patron." in page.content.decode()
    assert not User.objects.filter(email="friend@example.org").exists()  # nothing until claimed
    claimed = recipient.post(path)
    assert claimed.status_code == 200
    friend = User.objects.get(email="friend@example.org")
    membership = Membership.objects.get(user=friend)
    assert (membership.kind, membership.tier.slug, membership.status) == (
        "gift",
        "insider",
        "active",
    )
    assert membership.cancel_at.date() == (timezone.now() + relativedelta(months=3)).date()
    assert entitlement_for(user_id=friend.pk).entitled
    assert recipient.post(path).status_code == 200  # a second claim changes nothing
    assert Membership.objects.filter(user=friend).count() == 1

    assert gifts_remind_ending(now=membership.cancel_at - timedelta(days=8)) == 0
    assert gifts_remind_ending(now=membership.cancel_at - timedelta(days=6)) == 1
    assert gifts_remind_ending(now=membership.cancel_at - timedelta(days=5)) == 0
    wait_for(lambda: OutboundEmail.objects.filter(kind="gift_ending", status="sent").exists())
    [ending] = [m for m in mailbox() if m["Subject"] == "Your gift membership ends soon"]
    assert ending["To"] == "friend@example.org"


def test_a_gift_for_today_goes_out_with_its_payment_and_a_forged_link_claims_nothing(
    stripe_stand_in: object,
) -> None:
    gift = _give(Client())
    session = CheckoutSession.objects.get(reference=gift.reference)
    stripe_stand_in.pay_checkout_session(  # type: ignore[attr-defined]
        session.stripe_session_id, email="giver@example.org"
    )
    drain(stripe_stand_in)
    gift.refresh_from_db()
    assert gift.status == "delivered"
    assert OutboundEmail.objects.get(kind="gift_delivery").status == "sent"
    token = claim_token(gift)
    forged = token[:-3] + ("xyz" if token[-3:] != "xyz" else "abc")
    response = Client().post(f"/gift/{forged}/")
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert not Membership.objects.exists()


def test_the_gift_form_says_what_is_wrong(stripe_stand_in: object) -> None:
    response = Client().post(
        "/support/gift/",
        {"tier": "insider", "months": "5", "currency": "eur", "recipient_email": "nope",
         "deliver_on": str(timezone.localdate() - timedelta(days=1))},
    )  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter a valid email address." in page
    assert "Select a valid choice." in page
    assert not Gift.objects.exists()
    past = Client().post(
        "/support/gift/",
        {"tier": "insider", "months": "3", "currency": "eur", "recipient_email": "a@b.org",
         "deliver_on": str(timezone.localdate() - timedelta(days=1))},
    )  # fmt: skip
    assert past.status_code == 400
    assert "Choose a delivery date from today to a year from now." in past.content.decode()
