import pytest

from billing.money import format_amount, format_price, parse_major


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [(500, "eur", "€5"), (550, "eur", "€5.50"), (5000, "usd", "$50"), (1, "gbp", "£0.01"),
     (123456, "eur", "€1,234.56"), (700, "chf", "7 CHF")],
)  # fmt: skip
def test_format_amount(amount: int, currency: str, text: str) -> None:
    assert format_amount(amount, currency) == text


def test_format_price_says_the_interval() -> None:
    assert format_price(500, "eur", "month") == "€5 a month"
    assert format_price(5000, "usd", "year") == "$50 a year"
    assert format_price(2000, "gbp", None) == "£20"


@pytest.mark.parametrize(
    ("typed", "minor"),
    [("5", 500), ("5.5", 550), ("7,50", 750), ("€ 3", 300), ("0.01", 1), (" 12.00 ", 1200),
     ("5 €", 500), ("£7", 700), ("10,000.50", 1000050), ("1.000,50", 100050),
     ("10 000", 1000000), ("1\u00a0000,5", 100050), ("999,999.99", 99_999_999)],
)  # fmt: skip
def test_parse_major(typed: str, minor: int) -> None:
    assert parse_major(typed) == minor


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "as a number"), ("abc", "as a number"), ("0", "greater than zero"),
     ("-5", "greater than zero"), ("0,00", "greater than zero"), ("1.2345", "to the cent"),
     ("1e9", "as a number"), ("1E+30", "as a number"), ("nan", "as a number"),
     ("inf", "as a number"), ("10,000", "Write it as 10000, without a separator"),
     ("1.500", "Write it as 1500"), ("1.234", "Write it as 1234"), ("1,000,50", "as a number"),
     ("€3€", "as a number"), ("+5", "as a number"), ("\uff15", "as a number"),
     ("1,000,000", "too large"), ("9" * 40, "too large")],
)  # fmt: skip
def test_parse_major_refuses_with_a_reason(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_major(typed)
