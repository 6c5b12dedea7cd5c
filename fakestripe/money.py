"""Amounts as people read them."""

from __future__ import annotations

# ISO codes Stripe settles in that a membership site plausibly charges in.
# fmt: off
CURRENCIES = frozenset(
    (
        "usd", "eur", "gbp", "chf", "sek", "nok", "dkk", "pln", "czk", "huf", "ron", "bgn",
        "cad", "aud", "nzd", "jpy", "sgd", "hkd", "mxn", "brl", "inr",
    )
)
# fmt: on
ZERO_DECIMAL = frozenset({"jpy", "krw", "vnd", "clp", "pyg", "xaf", "xof", "bif", "djf", "gnf"})

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "chf": "CHF ", "cad": "CA$", "aud": "A$"}


def format_amount(amount: int, currency: str) -> str:
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    symbol = SYMBOLS.get(currency, currency.upper() + " ")
    if currency in ZERO_DECIMAL:
        return f"{sign}{symbol}{amount:,}"
    return f"{sign}{symbol}{amount // 100:,}.{amount % 100:02d}"


def format_interval(recurring: dict | None) -> str:
    if not recurring:
        return ""
    count, interval = recurring["interval_count"], recurring["interval"]
    return f"per {interval}" if count == 1 else f"every {count} {interval}s"


def price_label(price: dict) -> str:
    text = format_amount(price["unit_amount"], price["currency"])
    interval = format_interval(price.get("recurring"))
    return f"{text} {interval}".strip()
