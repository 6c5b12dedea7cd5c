from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Support")

    def ready(self) -> None:
        from members import privacy, roles

        from .corrections import mail as corrections_mail
        from .corrections import privacy as corrections_privacy

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
