"""A file email backend that writes one standard .eml file per message.

Django's own file backend appends several messages to one log file per connection; one file
per message is what a mail client opens, what the staff outbox links to and what tests parse.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.path.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S%f")
            target = self.path / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(message.message().as_bytes(linesep="\n"))
            # Rename is atomic: a reader never sees half a message.
            tmp.replace(target)
            sent += 1
        return sent
