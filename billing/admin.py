from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import gateway
from .catalog import tiers_sync
from .models import (
    BillingCustomer,
    CheckoutSession,
    Dispute,
    Membership,
    Payment,
    Refund,
    Tier,
    TierPrice,
    WebhookEvent,
)
from .payments import refund_issue


class TierPriceInline(admin.TabularInline):
    model = TierPrice
    extra = 0
    fields = ["currency", "interval", "amount", "stripe_price_id", "synced_amount"]
    readonly_fields = ["stripe_price_id", "synced_amount"]


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "is_active", "allow_custom_amount", "in_stripe"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["stripe_product_id"]
    inlines = [TierPriceInline]
    actions = ["push_to_stripe"]

    @admin.display(boolean=True, description=_("in Stripe"))
    def in_stripe(self, tier: Tier) -> bool:
        return bool(tier.stripe_product_id) and all(p.in_sync for p in tier.prices.all())

    @admin.action(description=_("Push selected tiers to Stripe"))
    def push_to_stripe(self, request: HttpRequest, queryset: QuerySet[Tier]) -> None:
        try:
            report = tiers_sync(tiers=list(queryset))
        except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
            self.message_user(request, _("Stripe refused: %s") % exc, messages.ERROR)
            return
        summary = "; ".join(report.lines) or _("Stripe already matches; nothing changed.")
        self.message_user(request, summary, messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tier", "status", "amount", "currency", "interval", "started_at"]
    list_filter = ["status", "tier", "currency", "interval"]
    search_fields = ["user__email", "stripe_subscription_id"]
    readonly_fields = [f.name for f in Membership._meta.concrete_fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    readonly_fields = ["stripe_refund_id", "amount", "currency", "status", "created_by"]
    fields = readonly_fields
    can_delete = False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["paid_at", "user", "kind", "amount", "currency", "amount_refunded", "status"]
    list_filter = ["kind", "status", "currency"]
    search_fields = ["user__email", "stripe_invoice_id", "stripe_payment_intent_id"]
    readonly_fields = [f.name for f in Payment._meta.concrete_fields]
    inlines = [RefundInline]
    actions = ["refund_in_full"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Refund the rest of the selected payments"), permissions=["refund"])
    def refund_in_full(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        for payment in queryset:
            left = payment.amount - payment.amount_refunded
            if left <= 0:
                continue
            try:
                refund_issue(payment=payment, amount=left, by=request.user)  # type: ignore[arg-type]
            except (ValueError, gateway.GatewayError, gateway.GatewayUnavailable) as exc:
                self.message_user(request, f"{payment}: {exc}", messages.ERROR)
            else:
                self.message_user(request, _("Refunded %s") % payment, messages.SUCCESS)

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.change_payment")


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["stripe_dispute_id", "payment", "amount", "currency", "status", "reason"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Dispute._meta.concrete_fields]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "type", "stripe_id", "status", "attempts"]
    list_filter = ["status", "type"]
    search_fields = ["stripe_id"]
    readonly_fields = [f.name for f in WebhookEvent._meta.concrete_fields]


admin.site.register(BillingCustomer)
admin.site.register(CheckoutSession)
