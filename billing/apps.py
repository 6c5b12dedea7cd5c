from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from members import navigation, privacy, roles
        from members.api import registry as members_api

        from .api import SCHEMA as PATRON_SCHEMA
        from .api import patron_section
        from .gifts import register_kinds as register_gift_kinds
        from .privacy import (
            anonymise_billing,
            cancel_subscriptions,
            export_billing,
            redact_stripe_customers,
        )
        from .receipts import register_kinds
        from .reminders import register_kind as register_reminder_kind
        from .self_service.pausing import register_kind as register_pause_kind
        from .statements import register_kind as register_statement_kind

        register_kinds()
        register_statement_kind()
        register_reminder_kind()
        register_gift_kinds()
        register_pause_kind()
        # Finance manages tiers and money (refunds through the admin); staff may look.
        roles.register_role_permissions(
            "finance",
            {
                *(f"billing.{a}_tier" for a in ("view", "add", "change")),
                *(f"billing.{a}_tierprice" for a in ("view", "add", "change", "delete")),
                "billing.view_membership",
                "billing.view_payment",
                "billing.change_payment",  # the refund action
                "billing.view_refund",
                "billing.view_dispute",
                "billing.view_webhookevent",
                "billing.view_checkoutsession",
                "billing.view_reconciliation",
            },
        )
        roles.register_role_permissions(
            "staff", {"billing.view_membership", "billing.view_payment", "billing.view_tier"}
        )
        # Editors see which stories bring patrons (/staff/articles/), as finance does.
        roles.register_role_permissions("editor", {"billing.view_checkoutsession"})
        navigation.register_account_nav_item(
            url_name="billing:my_support", label=_("My support"), order=15
        )
        navigation.register_member_detail_section("billing/staff/member_section.html")
        # "Is this reader an entitled patron, of which tier": the members API's `patron`.
        members_api.register_section("patron", patron_section, schema=PATRON_SCHEMA)
        privacy.register_exporter("billing", export_billing)
        privacy.register_eraser("billing.cancel_subscriptions", cancel_subscriptions)
        # After the cancels (registration order), so nothing at Stripe charges a blank Customer.
        privacy.register_eraser("billing.redact_stripe_customers", redact_stripe_customers)
        privacy.register_eraser("billing.anonymise", anonymise_billing, phase=privacy.ANONYMISE)
