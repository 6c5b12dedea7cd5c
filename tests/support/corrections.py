"""Helpers for the corrections tests: a form stamp from a while ago (a reader who took their
time), and the form's fields."""

from __future__ import annotations

import time

from django.core import signing

from support.corrections.spam import SALT

ARTICLE = "https://news.example.org/2026/11/harbour-warehouses"
TITLE = "Who owns the harbour's empty warehouses?"


def stamp(seconds_ago: float = 30) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(int(time.time() - seconds_ago)))


def report(**fields: str) -> dict[str, str]:
    return {
        "article_url": ARTICLE,
        "article_title": TITLE,
        "problem": "The article says 40 lots; the land register lists 38.",
        "evidence": "Land register extract of 3 November.",
        "name": "Olha",
        "email": "olha@example.org",
        "website": "",
        "shown": stamp(),
        **fields,
    }
