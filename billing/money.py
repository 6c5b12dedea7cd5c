"""Amounts are integers in minor units with a currency; this turns them into words."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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


def parse_major(text: str) -> int:
    """Parse what a reader typed (`5`, `5.50`, `5,50`, `€5`) into minor units.

    Raises ValueError with a reader-facing message.
    """
    cleaned = (text or "").strip().replace(" ", "")
    for symbol in SYMBOLS.values():
        cleaned = cleaned.replace(symbol, "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("Enter an amount as a number, like 5 or 7.50.")) from None
    if not value.is_finite():
        raise ValueError(_("Enter an amount as a number, like 5 or 7.50."))
    if value <= 0:
        raise ValueError(_("Enter an amount greater than zero."))
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(_("Enter the amount to the cent, like 7.50."))
    minor = int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if minor > 99_999_999:
        raise ValueError(_("That amount is too large."))
    return minor
