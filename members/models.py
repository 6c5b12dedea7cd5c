"""Identity: the user (email is the login) and the ledger of every email we send."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


def normalize_email(email: str) -> str:
    """One spelling per address: we compare and store emails lower-cased and trimmed."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalize_email(username or ""))

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class Language(models.TextChoices):
    """The languages the site and its emails are written in (settings.LANGUAGES)."""

    EN = "en", "English"
    UK = "uk", "Українська"


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True, blank_label=_("Choose a country"))
    preferred_language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.EN
    )
    # Bulk email the member agreed to; receipts and account mail are always sent. The names
    # are what mail kinds declare as their `preference` (members/preferences.py).
    email_vote_invitations = models.BooleanField(_("vote invitations"), default=True)
    email_reminders = models.BooleanField(_("reminders"), default=True)
    email_news = models.BooleanField(_("news from the newsroom"), default=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Can log into the admin site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Set when the member deleted their account: the row stays (payments and ballots point
    # to it) but holds no personal data any more. See members/privacy.py.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        # Site-wide permissions for staff pages that belong to no model.
        permissions = [("view_health", _("Can see service health details"))]
        constraints = [
            # The database, not a form, guarantees one account per address, whatever the case.
            models.UniqueConstraint(Lower("email"), name="members_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    def get_full_name(self) -> str:
        return self.display_name or self.email


class OutboundEmail(models.Model):
    """One row per email we decide to send, keyed by what caused it.

    The unique `key` (e.g. `receipt:in_123`) is the exactly-once rule: the row is written in the
    same transaction as the decision to send, a send task claims it, and a second decision for
    the same cause collides with the constraint instead of sending twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=50, db_index=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    to = models.EmailField(max_length=254)
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    subject = models.CharField(max_length=255, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]
        verbose_name = _("outbound email")

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.status})"

    @property
    def is_hidden(self) -> bool:
        """Its bodies were never stored: it carried a credential (members/mail/hidden.py)."""
        return bool((self.context or {}).get("hidden"))


class ApiToken(models.Model):
    """A reader's token for the newsroom's CMS (the members API), issued after sign-in.

    The reader's browser gets `pat_<key_id>.<secret>` once; we keep only the secret's SHA-256,
    so a copy of the database lets nobody in. A token stops working when it expires, when it
    is revoked (by the member on "Connected sites", or by logging out of the browser session
    it was issued in), and when the member's password changes or the account is deleted (it
    is bound to the session auth hash of the password it was issued under).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_id = models.CharField(max_length=24, unique=True)
    secret_hash = models.CharField(max_length=64)
    password_hash = models.CharField(max_length=128)  # user.get_session_auth_hash() at issue
    session_hash = models.CharField(max_length=64, blank=True, db_index=True)
    origin = models.CharField(_("site"), max_length=200)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        indexes = [models.Index(fields=["user", "revoked_at"], name="members_token_user_idx")]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.user_id})"
