"""Yearly giving statements: the year in the newsroom's time, refunds netted, a PDF on "My
support", and one email per member each January through the real worker (issue 13)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.test import Client
from pypdf import PdfReader

from billing.models import Payment
from billing.selectors import statement_for, statement_years_for
from billing.statements import statements_send, statements_send_due
from members.models import OutboundEmail
from tests.members.factories import UserFactory
from tests.utils import mailbox, text_of, wait_for


def _paid(
    user: object, at: datetime, amount: int, currency: str = "eur", **fields: object
) -> Payment:
    return Payment.objects.create(
        user=user,
        kind=fields.pop("kind", "one_time"),
        stripe_payment_intent_id=f"pi_{user.pk}_{at.timestamp():.0f}_{amount}",  # type: ignore[attr-defined]
        amount=amount,
        currency=currency,
        paid_at=at,
        **fields,
    )


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def giver() -> object:
    member = UserFactory(display_name="Ana Giver")
    # 23:30 UTC on 31 December 2025 is 00:30 on 1 January 2026 in Hamburg: a 2026 gift.
    _paid(member, datetime(2025, 12, 31, 23, 30, tzinfo=UTC), 2500)
    _paid(member, datetime(2025, 12, 31, 22, 30, tzinfo=UTC), 1000)  # 23:30 in Hamburg: 2025
    _paid(member, datetime(2026, 3, 1, 12, tzinfo=UTC), 500, amount_refunded=200,
          status="partially_refunded")  # fmt: skip
    _paid(member, datetime(2026, 7, 1, 12, tzinfo=UTC), 1300, currency="usd")
    return member


@pytest.mark.django_db
def test_a_statement_is_the_calendar_year_in_newsroom_time_net_of_refunds(giver: object) -> None:
    statement = statement_for(user=giver, year=2026)  # type: ignore[arg-type]
    assert [(line.amount, line.refunded, line.currency) for line in statement.lines] == [
        (2500, 0, "eur"), (500, 200, "eur"), (1300, 0, "usd"),
    ]  # fmt: skip
    assert statement.totals == {"eur": 2800, "usd": 1300}
    assert statement_for(user=giver, year=2025).totals == {"eur": 1000}  # type: ignore[arg-type]
    assert statement_years_for(user=giver) == [2026, 2025]  # type: ignore[arg-type]


@pytest.mark.django_db
def test_the_member_downloads_their_own_statement_from_my_support(giver: object) -> None:
    client = Client()
    client.force_login(giver)  # type: ignore[arg-type]
    page = client.get("/account/support/").content.decode()
    assert "/account/support/statements/2026.pdf" in page
    assert "/account/support/statements/2025.pdf" in page
    response = client.get("/account/support/statements/2026.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    assert "Giving statement 2026" in text
    assert "Ana Giver" in text
    assert "€28" in text  # the totals after refunds
    assert "$13" in text
    assert client.get("/account/support/statements/2024.pdf").status_code == 404
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get("/account/support/statements/2026.pdf").status_code == 404
    assert Client().get("/account/support/statements/2026.pdf").status_code == 302  # log in


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_january_sends_each_giver_one_statement(giver: object, celery_worker: object) -> None:
    other = UserFactory()
    _paid(other, datetime(2026, 5, 5, tzinfo=UTC), 700)
    UserFactory()  # gave nothing: no statement
    assert statements_send_due(today=date(2027, 2, 1)) == 0  # only in January
    assert statements_send_due(today=date(2027, 1, 3)) == 2
    assert statements_send(year=2026, batch=1) == 0  # a rerun queues nothing more
    wait_for(
        lambda: OutboundEmail.objects.filter(kind="giving_statement", status="sent").count() == 2
    )
    sent = [m for m in mailbox() if m["Subject"] == "Your giving statement for 2026"]
    assert sorted(m["To"] for m in sent) == sorted([giver.email, other.email])  # type: ignore[attr-defined]
    mine = next(m for m in sent if m["To"] == giver.email)  # type: ignore[attr-defined]
    assert "€28" in text_of(mine)
    [attachment] = list(mine.iter_attachments())
    assert attachment.get_filename() == "giving-statement-2026.pdf"
    assert "Giving statement 2026" in _text(attachment.get_content())
