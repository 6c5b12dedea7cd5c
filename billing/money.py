"""Amounts are integers in minor units with a currency; this turns them into words."""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext as _

SYMBOLS = {"eur": "€", "usd": "$", "gbp": "£"}
EXPONENT = 2  # EUR, USD and GBP all have cents/pence


def format_amount(amount: int, currency: str) -> str:
    """`500, "eur"` -> `€5`; `550, "eur"` -> `€5.50`; unknown currencies as `5.50 CHF`."""
    major = Decimal(amount) / (10**EXPONENT)
    text = f"{major:,.0f}" if amount % 100 == 0 else f"{major:,.2f}"
    symbol = SYMBOLS.get(currency.lower())
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def format_price(amount: int, currency: str, interval: str | None) -> str:
    """`€5 a month`, `$50 a year`, or just `€20` for a one-time amount."""
    money = format_amount(amount, currency)
    if interval == "month":
        return _("%(money)s a month") % {"money": money}
    if interval == "year":
        return _("%(money)s a year") % {"money": money}
    return money


# What a reader may type for an amount, and nothing else: whole units, or units and one or
# two decimals after a point or a comma (5, 5.5, 7,50); thousands grouped by a comma, a point
# or a space with the other mark for decimals (10,000.50, 1.000,50, 10 000). "10,000" and
# "1.500" alone could be thousands or three decimals: refused with a hint, never guessed.
_PLAIN = re.compile(r"([0-9]+)(?:[.,]([0-9]{1,2}))?")
_GROUPED = re.compile(r"([0-9]{1,3}([,. ])[0-9]{3}(?:\2[0-9]{3})*)(?:([.,])([0-9]{1,2}))?")
_ONE_GROUP = re.compile(r"([0-9]{1,3})[.,]([0-9]{3})")
_TOO_PRECISE = re.compile(r"[0-9]+[.,][0-9]{3,}")
_SPACES = re.compile(r"[\u00a0\u2009\u202f]")
MAX_MINOR = 99_999_999
# More digits than any amount we take: refused before int() is asked to read them.
_MAX_DIGITS = len(str(MAX_MINOR)) + 2


def _number_error() -> ValueError:
    return ValueError(_("Enter an amount as a number, like 5 or 7.50."))


def _strip_symbol(text: str) -> str:
    cleaned = _SPACES.sub(" ", (text or "").strip())
    if cleaned[:1] in SYMBOLS.values():
        cleaned = cleaned[1:].strip()
    elif cleaned[-1:] in SYMBOLS.values():
        cleaned = cleaned[:-1].strip()
    return cleaned


def _minor_units(text: str) -> int:
    if match := _PLAIN.fullmatch(text):
        whole, cents = match[1], match[2] or ""
    elif match := _ONE_GROUP.fullmatch(text):
        raise ValueError(
            _("Write it as %(amount)s, without a separator, or with cents, like 7.50.")
            % {"amount": match[1] + match[2]}
        )
    elif (match := _GROUPED.fullmatch(text)) and match[3] != match[2]:
        whole, cents = re.sub(r"[^0-9]", "", match[1]), match[4] or ""
    elif _TOO_PRECISE.fullmatch(text):
        raise ValueError(_("Enter the amount to the cent, like 7.50."))
    else:
        raise _number_error()
    whole = whole.lstrip("0") or "0"
    if len(whole) > _MAX_DIGITS:
        raise ValueError(_("That amount is too large."))
    return int(whole) * 10**EXPONENT + int(cents.ljust(EXPONENT, "0"))


def parse_major(text: str) -> int:
    """Parse what a reader typed (`5`, `5.50`, `7,50`, `€5`, `10,000.00`) into minor units.

    Strict: one currency symbol before or after the number at most, ASCII digits, the
    separators described above; anything else raises ValueError with a reader-facing
    message (never another exception, whatever the text). The result is between 1 and
    MAX_MINOR.
    """
    cleaned = _strip_symbol(text)
    negative = cleaned.startswith("-")
    minor = _minor_units(cleaned[1:].strip() if negative else cleaned)
    if negative or minor == 0:
        raise ValueError(_("Enter an amount greater than zero."))
    if minor > MAX_MINOR:
        raise ValueError(_("That amount is too large."))
    return minor
