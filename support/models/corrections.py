"""Corrections and clarifications readers suggest for an article, and what editors decided.

A request is written once by the reader (`support.corrections.services.correction_submit`)
and then only moved along by editors: new → under review → corrected, clarified or declined.
A corrected or clarified one carries the note published on the article, which the public
corrections log shows; a declined one carries the reason the reader is told.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CorrectionRequest(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("new")
        UNDER_REVIEW = "under_review", _("under review")
        CORRECTED = "corrected", _("corrected")
        CLARIFIED = "clarified", _("clarified")
        DECLINED = "declined", _("declined")

    OPEN = (Status.NEW, Status.UNDER_REVIEW)
    PUBLISHED = (Status.CORRECTED, Status.CLARIFIED)

    # What the reader is told to quote: short, unambiguous letters (no 0/O, 1/I).
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    article_url = models.URLField(_("article address"), max_length=500, db_index=True)
    article_title = models.CharField(_("article title"), max_length=300, blank=True)
    problem = models.TextField(_("what is wrong or unclear"))
    evidence = models.TextField(_("what it should say, and how you know"), blank=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="correction_requests",
    )
    # Entitled, by the membership history, when the report was sent (signed-in readers only:
    # an address typed into the form proves nothing).
    from_patron = models.BooleanField(_("from a patron"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    published_note = models.TextField(_("note published on the article"), blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("correction request")
        indexes = [
            models.Index(fields=["status", "created_at"], name="support_corr_status_idx"),
            models.Index(fields=["resolved_at"], name="support_corr_resolved_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "under_review"], resolved_at__isnull=True)
                | Q(status__in=["corrected", "clarified", "declined"], resolved_at__isnull=False),
                name="support_corr_resolved_when_decided",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["corrected", "clarified"]) | ~Q(published_note=""),
                name="support_corr_published_has_note",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="support_corr_declined_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
