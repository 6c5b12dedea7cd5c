"""Extension points for pages that members renders and higher apps add to.

members cannot import billing or support, so they register here from `AppConfig.ready`:
- `register_account_nav_item`: a link in the account navigation (billing adds "My support",
  `/account/support/`, with an `order` between "Profile" (10) and "Email preferences" (20));
- `register_member_detail_section`: a template included on the staff member page, with
  `member` in its context (billing adds the membership and payments).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: Promise | str
    order: int


_ACCOUNT_NAV: dict[str, NavItem] = {}
_MEMBER_DETAIL_SECTIONS: list[str] = []


def register_account_nav_item(*, url_name: str, label: Promise | str, order: int) -> None:
    """Add (or replace, by url_name) a link in the account navigation."""
    _ACCOUNT_NAV[url_name] = NavItem(url_name=url_name, label=label, order=order)


def account_nav_items() -> list[NavItem]:
    return sorted(_ACCOUNT_NAV.values(), key=lambda item: (item.order, item.url_name))


def register_member_detail_section(template_name: str) -> None:
    if template_name not in _MEMBER_DETAIL_SECTIONS:
        _MEMBER_DETAIL_SECTIONS.append(template_name)


def member_detail_sections() -> list[str]:
    return list(_MEMBER_DETAIL_SECTIONS)


def register_members_own_items() -> None:
    register_account_nav_item(url_name="members:profile", label=_("Profile"), order=10)
    # order 15 is kept for billing's "My support".
    register_account_nav_item(
        url_name="members:preferences", label=_("Email preferences"), order=20
    )
    register_account_nav_item(url_name="account_change_password", label=_("Password"), order=30)
    register_account_nav_item(url_name="account_email", label=_("Email addresses"), order=40)
    register_account_nav_item(url_name="members:connections", label=_("Connected sites"), order=45)
    register_account_nav_item(url_name="members:privacy", label=_("Your data"), order=50)
