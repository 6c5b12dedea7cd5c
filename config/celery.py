"""The Celery app. Tasks are thin entry points: they take ids, load rows and call a service.

Every task that follows a database write is queued after commit: `DjangoTask` gives each task
`delay_on_commit()` / `apply_async_on_commit()`, which wrap `transaction.on_commit`, so a task
never runs before (or without) the data it needs.
"""

import smtplib

from celery import Celery
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .entrypoints import use_default_settings

use_default_settings()

app = Celery("patronage", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Errors worth retrying: the database or the broker blinked, or a mail server was briefly
# unreachable. Anything else is a bug and must fail loudly, not loop. Apps add their own
# transient errors (billing adds the Stripe gateway's "unavailable").
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    BrokerError,
    RedisConnectionError,
    RedisTimeoutError,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
)

# Bounded exponential backoff with jitter. The cap (10 min) stays below the broker's
# visibility timeout (settings.CELERY_VISIBILITY_TIMEOUT), so a waiting retry is never
# redelivered as a duplicate.
RETRY_POLICY = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}
