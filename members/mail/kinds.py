"""What kinds of email exist and how each is rendered.

Each app registers its kinds at start-up (`AppConfig.ready`), so the mail machinery in
`members` never imports the apps above it: billing registers "receipt", support registers
"vote_invitation", and so on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# An attachment as stored for sending: (filename, bytes, mimetype).
Attachment = tuple[str, bytes, str]


@dataclass(frozen=True)
class MailKind:
    name: str
    # Templates `<template_dir>/subject.txt`, `body.txt` and (optional) `body.html`.
    template_dir: str
    # Bulk mail (invitations, reminders, news) carries List-Unsubscribe headers and honours
    # the member's preference named here; transactional mail (receipts) always goes.
    preference: str | None = None
    # Loads fresh objects by the ids stored in the row's context, at send time.
    build_context: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    attachments: Callable[[dict[str, Any]], list[Attachment]] | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)
    # The body carries a credential (a sign-in code, a password-reset or confirmation link,
    # a signed link that acts for the member): the ledger keeps it hidden
    # (members/mail/hidden.py). A templated kind builds the credential at send time.
    secret: bool = False

    @property
    def is_bulk(self) -> bool:
        return self.preference is not None


_KINDS: dict[str, MailKind] = {}


def register(kind: MailKind) -> MailKind:
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> MailKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"unknown email kind {name!r}; register it in AppConfig.ready") from None


def all_kinds() -> dict[str, MailKind]:
    return dict(_KINDS)
