"""A member's yearly giving statement: what they gave in one calendar year, net of refunds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from billing.models import Payment
from members.models import User


@dataclass(frozen=True)
class StatementLine:
    payment: Payment
    paid_at: datetime
    what: str  # "membership" or "one_time"; the tier name, if any
    tier_name: str
    amount: int
    refunded: int
    currency: str

    @property
    def net(self) -> int:
        return self.amount - self.refunded


@dataclass(frozen=True)
class Statement:
    user: User
    year: int
    lines: list[StatementLine]
    totals: dict[str, int]  # net per currency, in minor units

    @property
    def reference(self) -> str:
        return f"{self.year}-{self.user.pk:06d}"


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """A calendar year in the newsroom's time zone (a payment at 00:30 on 1 January in
    Hamburg belongs to the new year, although it is still 31 December in UTC)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def payments_in_year(*, year: int):
    start, end = _year_bounds(year)
    return Payment.objects.filter(paid_at__gte=start, paid_at__lt=end)


def statement_for(*, user: User, year: int) -> Statement:
    """Every payment the member made in `year`, oldest first, with net totals per currency.
    Refunds count against the payment they belong to, whenever they were made."""
    lines = []
    totals: dict[str, int] = defaultdict(int)
    payments = (
        payments_in_year(year=year)
        .filter(user=user)
        .select_related("membership__tier")
        .order_by("paid_at", "id")
    )
    for payment in payments:
        tier = payment.membership.tier if payment.membership else None
        line = StatementLine(
            payment=payment,
            paid_at=payment.paid_at,
            what=payment.kind,
            tier_name=tier.name if tier else "",
            amount=payment.amount,
            refunded=payment.amount_refunded,
            currency=payment.currency,
        )
        lines.append(line)
        totals[payment.currency] += line.net
    return Statement(user=user, year=year, lines=lines, totals=dict(totals))


def statement_years_for(*, user: User) -> list[int]:
    """The calendar years (newsroom time) in which the member paid anything, newest first."""
    zone = ZoneInfo(settings.TIME_ZONE)
    years = {
        paid_at.astimezone(zone).year
        for paid_at in Payment.objects.filter(user=user).values_list("paid_at", flat=True)
    }
    return sorted(years, reverse=True)


def statement_recipient_ids(*, year: int, after: int = 0, batch: int = 1000) -> list[int]:
    """Ids of members who paid in `year`, ascending, from `after` (keyset batches)."""
    return list(
        payments_in_year(year=year)
        .filter(user__isnull=False, user_id__gt=after, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()[:batch]
    )
