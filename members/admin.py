from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from .models import OutboundEmail, User

PROFILE_FIELDSETS = (
    (None, {"fields": ("email",)}),
    (_("Profile"), {"fields": ("display_name", "country", "preferred_language")}),
    (
        _("Email preferences"),
        {"fields": ("email_vote_invitations", "email_reminders", "email_news")},
    ),
)
# What only a superuser may change: who may sign in, who is staff, roles and permissions,
# passwords. A role with `members.change_user` (staff) edits the profile fields above only;
# the account fields are shown to it read-only, and passwords not at all.
ACCOUNT_FIELDS = ("is_active", "is_staff", "groups", "last_login", "date_joined", "erased_at")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_active", "is_staff", "groups", "preferred_language"]
    readonly_fields = ["erased_at"]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        *PROFILE_FIELDSETS[1:],
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined", "erased_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return (*PROFILE_FIELDSETS, (_("Account"), {"fields": ACCOUNT_FIELDS}))

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        # The address is the login: changing it and then asking for a password reset would
        # hand the account to whoever owns the new address.
        return ("email", *ACCOUNT_FIELDS)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # a superuser is changed by superusers only (read-only for others)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


HIDDEN_BODY = _(
    "Hidden: it carried a sign-in code or a link that signs in, confirms an address or "
    "resets a password, so it was never stored."
)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "to", "subject", "status", "attempts"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "key", "subject"]
    # The bodies through `text` and `html`, which say "hidden" for a row that carried a
    # credential (members/mail/hidden.py) instead of showing what little is stored.
    readonly_fields = [
        *(
            f.name
            for f in OutboundEmail._meta.get_fields()
            if f.concrete and f.name not in {"body_text", "body_html"}
        ),
        "text",
        "html",
    ]

    def has_add_permission(self, request: object) -> bool:
        return False

    @admin.display(description=_("Text"))
    def text(self, obj: OutboundEmail) -> str:
        return HIDDEN_BODY if obj.is_hidden else obj.body_text

    @admin.display(description=_("HTML"))
    def html(self, obj: OutboundEmail) -> str:
        return HIDDEN_BODY if obj.is_hidden else obj.body_html
