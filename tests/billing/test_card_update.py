"""A failed renewal emails a signed link that opens the card update without logging in; a new
card pays the open invoice and the membership recovers (issue 13). A forged or expired link is
refused, and in production the email's body (it acts for the member) is not kept readable."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
import requests
from django.core import mail, signing
from django.test import Client, override_settings

from billing.card_update import SALT, card_update_token
from billing.models import Membership, MembershipChange
from members.mail.services import email_enqueue, email_send
from members.models import OutboundEmail
from tests.billing.factories import MembershipFactory
from tests.billing.money_path import become_patron, drain
from tests.utils import mailbox, text_of

CARD = {"expiry": "12 / 34", "cvc": "123", "name": "Ana"}


def _link(message: object) -> str:
    match = re.search(r"https?://\S+/support/card/[^/\s]+/", text_of(message))  # type: ignore[arg-type]
    assert match, text_of(message)  # type: ignore[arg-type]
    return match.group(0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.stripe
@pytest.mark.worker
def test_the_emailed_link_updates_the_card_and_the_membership_recovers(
    stripe_stand_in: object,
) -> None:
    become_patron(stripe_stand_in, card="4000000000000341")  # fails at renewal
    stripe_stand_in.advance(days=32)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    membership = Membership.objects.get()
    assert membership.status == "past_due"
    [failed] = [m for m in mailbox() if m["Subject"] == "Your payment did not go through"]
    assert "We will try again on" in text_of(failed)
    link = _link(failed)

    browser = Client()  # not logged in
    path = urlsplit(link).path
    page = browser.get(path)
    assert page.status_code == 200
    assert membership.user.email in page.content.decode()
    opened = browser.post(path)
    assert opened.status_code == 303
    portal = requests.Session()
    portal.trust_env = False
    card_form = portal.get(opened["Location"], timeout=10).text
    assert "update_card" in card_form
    assert 'value="cancel"' not in card_form  # only the card form: the link is not a login
    saved = portal.post(
        opened["Location"],
        data={"action": "update_card", "card_number": "4242424242424242", **CARD},
        timeout=10,
    )
    assert saved.status_code == 200
    drain(stripe_stand_in)
    membership.refresh_from_db()
    assert membership.status == "active"
    assert MembershipChange.objects.filter(membership=membership, kind="recovered").exists()
    assert browser.get(path).status_code == 400  # paid: the link has done its work


class _Signed15DaysAgo(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 15 * 86_400)


@pytest.mark.django_db
def test_forged_expired_or_ended_links_are_refused() -> None:
    membership = MembershipFactory(stripe_subscription_id="sub_card", status="past_due")
    good = card_update_token(subscription_id="sub_card")
    client = Client()
    assert client.get(f"/support/card/{good}/").status_code == 200
    forged = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    expired = _Signed15DaysAgo(salt=SALT).sign_object({"s": "sub_card"}, compress=True)
    other_purpose = signing.dumps({"s": "sub_card"}, salt="members.unsubscribe")
    for token in (forged, expired, other_purpose, "nonsense"):
        response = client.get(f"/support/card/{token}/")
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
        assert client.post(f"/support/card/{token}/").status_code == 400
    for settled in ("active", "canceled"):  # paid up again, or ended: nothing to update
        Membership.objects.filter(pk=membership.pk).update(status=settled)
        assert client.get(f"/support/card/{good}/").status_code == 400


@pytest.mark.django_db
@override_settings(EMAIL_REVEAL_SECRETS=False)
def test_in_production_the_failed_payment_email_is_not_kept_readable() -> None:
    membership = MembershipFactory(stripe_subscription_id="sub_hidden")
    row = email_enqueue(
        key="payment_failed:in_x:1",
        kind="payment_failed",
        to=membership.user.email,
        user=membership.user,
        context={"amount": 500, "currency": "eur", "subscription_id": "sub_hidden"},
    )
    assert email_send(email_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.body_text, row.body_html, row.is_hidden) == ("sent", "", "", True)
    [sent] = mail.outbox  # sent in this process: Django's test backend
    assert "/support/card/" in sent.body  # the member got the link; the ledger did not
    assert OutboundEmail.objects.get(pk=row.pk).subject == "Your payment did not go through"
