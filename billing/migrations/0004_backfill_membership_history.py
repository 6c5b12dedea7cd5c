"""Backfill: memberships that existed before the history get it from their current row.

Only what the row still tells is known: when the membership started (as it is now) and, for
an ended one, when it ended. Changes in between were not kept before this migration.
"""

from django.db import migrations

ENDED = ("canceled", "incomplete_expired")
ENTITLED = ("trialing", "active", "past_due")


def _mrr(status, paused, amount, interval, count):
    # billing.history.monthly_amount, as it was when this migration was written.
    if status not in ("active", "past_due") or paused:
        return 0
    divisor = {"month": 1, "year": 12}.get(interval, 1) * max(count, 1)
    return (2 * amount + divisor) // (2 * divisor)


def backfill(apps, schema_editor):
    Membership = apps.get_model("billing", "Membership")
    MembershipChange = apps.get_model("billing", "MembershipChange")
    rows = []
    for m in Membership.objects.filter(history__isnull=True).exclude(status="incomplete"):
        ended = m.status in ENDED
        status = "active" if ended else m.status
        plan = {
            "tier_after_id": m.tier_id,
            "amount_after": m.amount,
            "interval_after": m.interval,
            "interval_count_after": m.interval_count,
        }
        mrr = _mrr(status, m.paused, m.amount, m.interval, m.interval_count)
        common = {"membership_id": m.pk, "user_id": m.user_id, "currency": m.currency,
                  "source": "backfill", "source_key": "backfill"}  # fmt: skip
        rows.append(
            MembershipChange(
                **common, **plan, kind="started", step=0, occurred_at=m.started_at,
                status_before="", status_after=status, paused_after=m.paused,
                entitled_after=status in ENTITLED and not m.paused,
                mrr_before=0, mrr_after=mrr, mrr_delta=mrr,
            )
        )  # fmt: skip
        if ended:
            rows.append(
                MembershipChange(
                    **common, **plan, kind="ended", step=99,
                    occurred_at=m.ended_at or m.canceled_at or m.updated_at,
                    status_before=status, status_after=m.status,
                    tier_before_id=m.tier_id, amount_before=m.amount,
                    interval_before=m.interval, interval_count_before=m.interval_count,
                    paused_before=m.paused, paused_after=m.paused,
                    entitled_before=status in ENTITLED and not m.paused,
                    mrr_before=mrr, mrr_after=0, mrr_delta=-mrr, before_derived=True,
                )
            )  # fmt: skip
    MembershipChange.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_membership_history")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
