"""Writes to the member aggregate: accounts, profile, email preferences.

Every write to a `User` outside allauth's own flows goes through a function here (and account
deletion through `members.privacy`), so the rules live in one place.
"""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from members.models import Language, User, normalize_email
from members.preferences import PREFERENCES

log = logging.getLogger(__name__)


def _find_user_for_email(email: str) -> User | None:
    """The account that owns `email` (already normalised): by its login address, or by a
    verified secondary address (allauth keeps verified addresses unique across accounts)."""
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .first()
    )
    return address.user if address is not None else None


def user_get_or_create_for_email(*, email: str, display_name: str = "") -> tuple[User, bool]:
    """The one account for `email`, created if there is none. Returns (user, created).

    For billing: a reader who paid before having an account gets one here, and a reader who
    has one is linked to it, whatever the case of the address they typed.

    Guarantees:
    - One account per address, also under concurrency: the database's case-insensitive
      unique constraint decides between racing callers; the loser catches the conflict and
      returns the winner's row. Safe inside the caller's transaction (a savepoint wraps the
      insert), so billing can call it from its webhook handler's transaction.
    - Idempotent: calling again returns the same user and changes nothing, except that a blank
      display name is filled in.
    - A new account has no usable password and a primary allauth EmailAddress that is NOT
      verified: a payment proves control of a card, not of a mailbox (a typo would hand a
      stranger a verified account). The address is still usable for login-by-code and password
      reset, both of which send mail to it; completing login-by-code verifies it.

    Raises ValueError for an empty or malformed address.
    """
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValueError(f"not an email address: {email!r}") from exc
    display_name = display_name.strip()[:100]

    user = _find_user_for_email(email)
    created = False
    if user is None:
        try:
            with transaction.atomic():
                user = User(email=email, display_name=display_name)
                user.set_unusable_password()
                user.save()
                EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
                created = True
        except IntegrityError:
            # Another request created the account between our look-up and our insert.
            user = User.objects.get(email=email)
    if not created:
        if display_name and not user.display_name:
            User.objects.filter(pk=user.pk, display_name="").update(display_name=display_name)
            user.refresh_from_db(fields=["display_name"])
        if user.email == email:
            # Accounts made before allauth knew them (createsuperuser, admin) get their address.
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": False, "primary": True}
            )
    log.info("user_get_or_create_for_email: user %s created=%s", user.pk, created)
    return user, created


@transaction.atomic
def profile_update(*, user: User, display_name: str, country: str, preferred_language: str) -> User:
    """Save the member's profile. The language must be one the site speaks."""
    if preferred_language not in Language.values:
        raise ValueError(f"unsupported language {preferred_language!r}")
    user.display_name = display_name.strip()
    user.country = country
    user.preferred_language = preferred_language
    user.save(update_fields=["display_name", "country", "preferred_language"])
    return user


@transaction.atomic
def preferences_update(*, user: User, **choices: bool) -> User:
    """Switch bulk-email preferences on or off; names are those in PREFERENCES.

    Receipts and account email have no switch: they are not in PREFERENCES.
    """
    unknown = set(choices) - set(PREFERENCES)
    if unknown:
        raise LookupError(f"unknown email preferences: {sorted(unknown)}")
    for name, allowed in choices.items():
        setattr(user, name, bool(allowed))
    if choices:
        user.save(update_fields=sorted(choices))
    return user


def preference_unsubscribe(*, user_id: int, preference: str) -> User | None:
    """Switch one preference off for the member behind an unsubscribe link.

    Idempotent (unsubscribing twice is the same as once); returns None if the account no
    longer exists. A single UPDATE, so a concurrent profile save cannot switch it back on
    with stale data unless the member themselves submits the preferences form.
    """
    if preference not in PREFERENCES:
        raise LookupError(f"unknown email preference {preference!r}")
    User.objects.filter(pk=user_id).update(**{preference: False})
    return User.objects.filter(pk=user_id).first()
