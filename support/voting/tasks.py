"""Voting's Celery tasks: thin entry points over the services.

`rounds_tick` runs from beat every 30 seconds (settings.CELERY_BEAT_SCHEDULE) on the default
queue; `mailing_step` runs on the `bulk` queue (settings.CELERY_TASK_ROUTES), next to the
batches of email it queues.
"""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from config.celery import RETRY_POLICY

from .mailings import mailing_step_run
from .rounds import rounds_tick as tick


# Closing a round counts every eligible member for the turnout (keyset batches over the
# history): with a hundred thousand patrons that can outlast the default one-minute limit.
# Overlapping ticks are harmless: each transition locks the round and checks its status.
@shared_task(**RETRY_POLICY, soft_time_limit=600, time_limit=660)
def rounds_tick() -> dict[str, int]:
    return asdict(tick())


@shared_task(**RETRY_POLICY)
def mailing_step(mailing_id: int) -> bool:
    return mailing_step_run(mailing_id=mailing_id)
