"""A receipt shows every line of its invoice: a plan change mid-period is charged on one
invoice with a credit for the unused time and a charge for the rest of the period, and the
receipt (text, HTML and the PDF) lists both. Real stand-in, worker, PostgreSQL and Redis."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from billing import gateway
from billing.models import Payment, TierPrice
from billing.receipts import payment_lines
from tests.billing.money_path import become_patron, drain
from tests.utils import html_of, mailbox, text_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe, pytest.mark.worker]


def pdf_text(message: object) -> str:
    [attachment] = list(message.iter_attachments())  # type: ignore[attr-defined]
    reader = PdfReader(io.BytesIO(attachment.get_content()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_proration_receipt_lists_every_line(stripe_stand_in: object) -> None:
    become_patron(stripe_stand_in, tier="reader")
    stripe_stand_in.advance(days=15)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    first = Payment.objects.get()
    subscription_id = first.membership.stripe_subscription_id
    [item] = gateway.subscription_retrieve(subscription_id=subscription_id)["items"]["data"]
    insider = TierPrice.objects.get(tier__slug="insider", currency="eur", interval="month")
    gateway.client().v1.subscriptions.update(
        subscription_id,
        {
            "items": [{"id": item["id"], "price": insider.stripe_price_id}],
            "proration_behavior": "always_invoice",
        },
    )
    drain(stripe_stand_in)

    payment = Payment.objects.get(billing_reason="subscription_update")
    invoice = gateway.invoice_retrieve(invoice_id=payment.stripe_invoice_id)
    at_stripe = invoice["lines"]["data"]
    assert len(at_stripe) == 2
    assert [(line["description"], line["amount"]) for line in payment.lines] == [
        (line["description"], line["amount"]) for line in at_stripe
    ]
    credit, charge = sorted(payment.lines, key=lambda line: line["amount"])
    assert credit["amount"] < 0 < charge["amount"]
    assert (credit["proration"], charge["proration"]) == (True, True)
    assert credit["description"].startswith("Unused time on")
    assert charge["description"].startswith("Remaining time on")
    assert payment.amount == credit["amount"] + charge["amount"]

    shown = payment_lines(payment)
    amounts = [item["amount_text"] for item in shown["items"]]
    assert shown["adjustment_text"] == ""
    [receipt] = [m for m in mailbox() if payment.invoice_number in text_of(m)]
    for text in (text_of(receipt), html_of(receipt), pdf_text(receipt)):
        for line, amount in zip(payment.lines, amounts, strict=True):
            assert line["description"] in " ".join(text.split())
            assert amount in text
        assert shown["amount_text"] in text
    assert any(amount.startswith("\N{MINUS SIGN}€") for amount in amounts)


def test_a_first_receipt_lists_its_one_line(stripe_stand_in: object) -> None:
    become_patron(stripe_stand_in, tier="reader")
    payment = Payment.objects.get()
    [line] = payment.lines
    assert (line["amount"], line["currency"], line["proration"]) == (500, "eur", False)
    assert line["period_start"] == int(payment.period_start.timestamp())
    [receipt] = mailbox_receipts()
    assert line["description"] in text_of(receipt)
    assert line["description"] in pdf_text(receipt)


def mailbox_receipts() -> list:
    return [m for m in mailbox() if m["Subject"].startswith("Your receipt")]
