from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Support")

    def ready(self) -> None:
        from members import navigation, privacy, roles

        from .corrections import mail as corrections_mail
        from .corrections import privacy as corrections_privacy
        from .voting import tasks  # noqa: F401 - registers the Celery tasks (support.voting)
        from .voting.mail import register_kinds
        from .voting.privacy import erase_voting, export_voting

        register_kinds()
        # Editors run the votes: rounds, topics, moderation, invitations, results.
        roles.register_role_permissions(
            "editor",
            {
                "support.manage_voting",
                "support.view_round",
                "support.change_round",
                "support.view_topic",
                "support.change_topic",
            },
        )
        navigation.register_member_detail_section("support/voting/staff/member_section.html")
        privacy.register_exporter("voting", export_voting)
        # Inside the deletion's transaction: ballots keep counting, nobody is behind them.
        privacy.register_eraser("support.voting", erase_voting, phase=privacy.ANONYMISE)

        corrections_mail.register_kinds()
        # Editors triage readers' corrections; staff may look.
        roles.register_role_permissions(
            "editor",
            {"support.view_correctionrequest", "support.change_correctionrequest"},
        )
        roles.register_role_permissions("staff", {"support.view_correctionrequest"})
        privacy.register_exporter("corrections", corrections_privacy.export_corrections)
        privacy.register_eraser(
            "support.corrections",
            corrections_privacy.anonymise_corrections,
            phase=privacy.ANONYMISE,
        )
