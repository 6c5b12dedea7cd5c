"""Helpers for tests that watch real processes: wait for an effect, read the mailbox."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")


def wait_for(check: Callable[[], T], *, timeout: float = 15, interval: float = 0.1) -> T:
    """Poll `check` until it returns something truthy; fail with what it last returned.

    For effects of other processes (the Celery worker, the Stripe stand-in). Not a speed
    assertion: the timeout only bounds a hang.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s; last result: {result!r}")
        time.sleep(interval)


def mailbox(path: str | Path | None = None) -> list[EmailMessage]:
    """Every message the file backend wrote, oldest first."""
    folder = Path(path or settings.EMAIL_FILE_PATH)
    if not folder.exists():
        return []
    messages = []
    for file in sorted(folder.glob("*.eml")):
        with file.open("rb") as handle:
            msg = email.message_from_binary_file(handle, policy=email.policy.default)
        messages.append(msg)  # type: ignore[arg-type]
    return messages


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else ""
