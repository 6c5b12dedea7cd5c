"""A renewal the bank wants confirmed (3-D Secure): the member gets the link to Stripe's
invoice page, once per invoice.

Real parts: the stand-in, the worker, PostgreSQL, Redis. The renewal really fails at the
stand-in for want of authentication (card 4000 0027 6000 3184: off-session charges need the
customer), leaving an open invoice with its hosted page. The stand-in does not emit
`invoice.payment_action_required` (Stripe does, alongside `invoice.payment_failed`), so the
test sends that event itself, signed as Stripe signs it, carrying the stand-in's real invoice,
to the site's webhook endpoint.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from billing import gateway
from billing.models import Membership
from members.models import OutboundEmail, User
from tests.billing.money_path import become_patron, drain
from tests.billing.signing import event_for, signed
from tests.utils import html_of, mailbox, text_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe, pytest.mark.worker]

ALWAYS_AUTHENTICATE = "4000002760003184"


def send_to_site(event_type: str, obj: dict) -> None:
    # Stripe's JSON has decimal strings where stripe-python's dicts have Decimals.
    as_sent = json.loads(json.dumps(obj, default=str))
    body, signature = signed(event_for(event_type, as_sent))
    response = Client().post(
        "/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert response.status_code == 200


def test_the_member_gets_the_link_to_confirm_a_renewal_once(stripe_stand_in: object) -> None:
    _, member, _ = become_patron(stripe_stand_in, card=ALWAYS_AUTHENTICATE)
    User.objects.filter(pk=member.pk).update(preferred_language="uk")
    stripe_stand_in.advance(days=31)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert Membership.objects.get().status == "past_due"
    open_invoices = gateway.client().v1.invoices.list(
        {"customer": Membership.objects.get().stripe_customer_id, "status": "open"}
    )
    [invoice] = [i.to_dict() for i in open_invoices.data]
    assert invoice["billing_reason"] == "subscription_cycle"
    link = invoice["hosted_invoice_url"]
    assert link.startswith(stripe_stand_in.base_url)  # type: ignore[attr-defined]

    # Stripe sends the event for each attempt that needs the customer; two here, one email.
    send_to_site("invoice.payment_action_required", invoice)
    send_to_site("invoice.payment_action_required", invoice)
    drain(stripe_stand_in)

    [row] = OutboundEmail.objects.filter(kind="payment_action_required")
    assert (row.key, row.status, row.to) == (
        f"payment_action_required:{invoice['id']}", "sent", member.email
    )  # fmt: skip
    [message] = [m for m in mailbox() if m["Message-ID"] == row_message_id(row)]
    assert row.subject == "Будь ласка, підтвердьте платіж у своєму банку"  # noqa: RUF001
    assert link in text_of(message)
    assert f'href="{link}"' in html_of(message)
    assert "€5" in text_of(message)
    assert "Підтвердити платіж" in html_of(message)


def test_nothing_is_sent_for_an_invoice_that_is_no_longer_open(stripe_stand_in: object) -> None:
    become_patron(stripe_stand_in, card=ALWAYS_AUTHENTICATE)
    stripe_stand_in.advance(days=31)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    customer = Membership.objects.get().stripe_customer_id
    [invoice] = gateway.client().v1.invoices.list({"customer": customer, "status": "open"}).data
    # The member paid it with another card before the event was processed.
    gateway.client().v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
    drain(stripe_stand_in)

    send_to_site("invoice.payment_action_required", invoice.to_dict())
    drain(stripe_stand_in)
    assert not OutboundEmail.objects.filter(kind="payment_action_required").exists()
    assert Membership.objects.get().status == "active"


def row_message_id(row: OutboundEmail) -> str:
    from members.mail.services import message_id_for

    return message_id_for(row.key)
