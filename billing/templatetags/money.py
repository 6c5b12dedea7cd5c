from django import template

from billing.money import format_amount, format_price

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    return "" if amount is None else format_amount(int(amount), currency)


@register.simple_tag
def price(amount: int, currency: str, interval: str | None = None) -> str:
    return format_price(int(amount), currency, interval)


@register.filter
def signed_money(amount: int | None, currency: str) -> str:
    """A credit (negative) with a minus sign in front, as in `-€2.86` (a real minus sign)."""
    if amount is None:
        return ""
    sign = "\N{MINUS SIGN}" if int(amount) < 0 else ""
    return sign + format_amount(abs(int(amount)), currency)
