"""Template helpers: form fields in the GOV.UK pattern, and the account navigation."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from members.navigation import NavItem, account_nav_items, member_detail_sections

register = template.Library()


def hint_id(field: BoundField) -> str:
    return f"{field.auto_id}-hint"


def error_id(field: BoundField) -> str:
    return f"{field.auto_id}-error"


@register.filter
def field_hint_id(field: BoundField) -> str:
    return hint_id(field)


@register.filter
def field_error_id(field: BoundField) -> str:
    return error_id(field)


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return getattr(field.field.widget, "input_type", "") == "checkbox"


@register.filter
def is_radio(field: BoundField) -> bool:
    return getattr(field.field.widget, "input_type", "") == "radio"


@register.filter
def field_anchor(field: BoundField) -> str:
    """Where an error-summary link should land: the input itself, or a group's first option."""
    if is_radio(field):
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id


@register.simple_tag
def field_widget(field: BoundField, **extra: Any) -> SafeString:
    """Render the input with its hint and error tied to it (aria-describedby), and without
    a placeholder: the label above says what to type (no placeholder-as-label)."""
    described = []
    if field.help_text:
        described.append(hint_id(field))
    if field.errors:
        described.append(error_id(field))
    attrs: dict[str, Any] = {"placeholder": False, **extra}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.simple_tag
def account_nav() -> list[NavItem]:
    return account_nav_items()


@register.simple_tag
def member_sections() -> list[str]:
    return member_detail_sections()
