"""Demo accounts for `make run`. The password is printed in the banner and the README."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from .models import User
from .roles import roles_sync

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - a published demo login, never production

DEMO_MEMBERS = [
    ("staff@example.org", "Sam Staff", ["staff", "finance", "editor"]),
    ("reader@example.org", "Riley Reader", []),
    ("ana@example.org", "Ana Novak", []),
    ("ben@example.org", "Ben Okafor", []),
    ("chloe@example.org", "Chloé Martin", []),
]


@transaction.atomic
def seed_members() -> list[User]:
    roles_sync()
    users = []
    for email, name, roles in DEMO_MEMBERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, display_name=name)
        user.is_staff = bool(roles)
        user.save(update_fields=["is_staff"])
        user.groups.set(Group.objects.filter(name__in=roles))
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        users.append(user)
    return users
