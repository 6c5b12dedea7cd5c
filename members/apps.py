from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401 - registers the system checks
        from .mail import kinds
        from .navigation import register_members_own_items
        from .roles import on_post_migrate

        # Groups need the permissions that post_migrate creates, so they follow it.
        post_migrate.connect(on_post_migrate, dispatch_uid="members.roles_sync")

        # allauth renders its own messages; the ledger stores them rendered, and hidden:
        # they carry sign-in codes and links.
        kinds.register(kinds.MailKind(name="account", template_dir="", secret=True))
        # News from the newsroom: bulk, so it honours `email_news` and carries
        # List-Unsubscribe headers (members/news.py sends it).
        kinds.register(
            kinds.MailKind(name="news", template_dir="members/email/news", preference="email_news")
        )
        register_members_own_items()
        # Logging out (any way Django logs out: allauth, the admin) revokes the members-API
        # tokens that browser session issued. Django's own signal is the one hook every
        # logout path passes through; the receiver only calls the service.
        from django.contrib.auth.signals import user_logged_out

        from .api.hooks import revoke_tokens_on_logout

        user_logged_out.connect(revoke_tokens_on_logout, dispatch_uid="members.api.logout")
