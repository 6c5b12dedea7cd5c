"""Staff roles are Django groups with permissions; pages check permissions, not `is_staff`.

- staff:   members and rounds, the outbox, service health details (/readyz)
- finance: reports, refunds, exports
- editor:  topics and rounds
Apps add the permissions their pages need to ROLES; `roles_sync` makes the groups match.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import Group, Permission

log = logging.getLogger(__name__)

ROLES: dict[str, set[str]] = {
    "staff": {
        "members.view_user",
        "members.change_user",
        "members.view_outboundemail",
        "members.view_health",
    },
    "finance": {
        "members.view_user",
        "members.view_outboundemail",
    },
    "editor": set(),
}


def register_role_permissions(role: str, permissions: set[str]) -> None:
    """Higher apps add the permissions their staff pages need (from AppConfig.ready)."""
    ROLES.setdefault(role, set()).update(permissions)


def roles_sync(*, strict: bool = False) -> dict[str, int]:
    """Create the role groups and give each exactly its permissions. Idempotent.

    Permissions of apps not migrated yet are skipped (post_migrate runs app by app) unless
    `strict`, which tests use to prove every named permission exists.
    """
    counts: dict[str, int] = {}
    for role, names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for name in sorted(names):
            app_label, codename = name.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is None:
                if strict:
                    raise LookupError(f"role {role}: no permission {name}")
                continue
            perms.append(perm)
        group.permissions.set(perms)
        counts[role] = len(perms)
    return counts


def on_post_migrate(**kwargs: object) -> None:
    roles_sync()
