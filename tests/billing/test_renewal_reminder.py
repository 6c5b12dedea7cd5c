"""Annual patrons get one reminder before renewal, from Stripe's `invoice.upcoming`; monthly
patrons get none (issue 13). Real stand-in (its clock), worker, PostgreSQL and Redis."""

from __future__ import annotations

import pytest

from billing.models import Membership, WebhookEvent
from members.models import OutboundEmail
from tests.billing.money_path import become_patron, drain
from tests.utils import mailbox, text_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe, pytest.mark.worker]


def test_an_annual_patron_is_reminded_once_before_renewal(stripe_stand_in: object) -> None:
    become_patron(stripe_stand_in, tier="insider", currency="usd", interval="year")
    membership = Membership.objects.get()
    # The stand-in sends invoice.upcoming 3 days before the period ends.
    stripe_stand_in.advance(days=362)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    [reminder] = OutboundEmail.objects.filter(kind="renewal_reminder")
    assert (reminder.to, reminder.status) == (membership.user.email, "sent")
    [message] = [m for m in mailbox() if m["Subject"].startswith("Your membership renews on")]
    body = text_of(message)
    assert "$130" in body
    assert f"{membership.current_period_end:%-d %B %Y}" in message["Subject"]
    assert "/account/support/" in body

    # The renewal itself, and the next year's notice: one reminder per period.
    stripe_stand_in.advance(days=4)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert OutboundEmail.objects.filter(kind="renewal_reminder").count() == 1
    stripe_stand_in.advance(days=362)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert OutboundEmail.objects.filter(kind="renewal_reminder").count() == 2


def test_monthly_patrons_get_no_reminder(stripe_stand_in: object) -> None:
    become_patron(stripe_stand_in)  # monthly
    stripe_stand_in.advance(days=29)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert OutboundEmail.objects.filter(kind="receipt").count() == 1
    assert WebhookEvent.objects.get(type="invoice.upcoming").status == "processed"
    assert not OutboundEmail.objects.filter(kind="renewal_reminder").exists()
