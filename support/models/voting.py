"""Voting: rounds in which patrons vote on the topics the newsroom covers next.

A round goes draft -> scheduled -> open -> closed -> published (`Round.Status`); the beat
task opens and closes it on time (support/voting/rounds.py). Members suggest topics, editors
moderate them; each eligible member has at most one `Ballot` per round (a unique constraint),
which they may change until the round closes. At close the result is computed once and kept
(`RoundResult`). Who may vote is never stored here: it is read, at the moment it matters, from
billing's membership history through `billing.selectors`.

Tiers are billing's; a round names them by id (`allowed_tier_ids`, `tier_weights`) and reads
their names through `billing.selectors`, so support holds no relation into billing's tables.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Round(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Results published")

    class Method(models.TextChoices):
        SINGLE = "single", _("Single choice")
        APPROVAL = "approval", _("Approval (choose up to N)")
        RANKED = "ranked", _("Ranked choice (instant runoff)")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Everyone")
        MEMBERS = "members", _("Patrons and voters only")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    question = models.TextField(_("question"), blank=True)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    method = models.CharField(
        _("voting method"), max_length=10, choices=Method.choices, default=Method.SINGLE
    )
    # Approval: how many topics a ballot may approve; ranked: how many it may rank.
    max_choices = models.PositiveSmallIntegerField(_("most choices per ballot"), default=1)
    # Who may vote: entitled now, for at least this long without a break, through one of
    # these tiers (empty: any tier). Read from the membership history at each ballot.
    allowed_tier_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    min_patron_days = models.PositiveSmallIntegerField(_("days as a patron"), default=7)
    # Off by default. When on, a ballot weighs what the voter's tier weighs ({tier id: n},
    # tiers not named weigh 1; a member with several tiers gets the highest).
    tier_weighting = models.BooleanField(_("weigh ballots by tier"), default=False)
    tier_weights = models.JSONField(default=dict, blank=True)
    results_visibility = models.CharField(
        _("who sees the results"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
    )
    suggestion_limit = models.PositiveSmallIntegerField(_("suggestions per member"), default=3)
    advisory_note = models.TextField(_("advisory note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at"]
        permissions = [("manage_voting", "Can manage voting rounds, topics and results")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="support_round_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(max_choices__gte=1), name="support_round_max_choices_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and self.accepts_ballots_at(timezone.now())

    def accepts_ballots_at(self, at: datetime) -> bool:
        return self.status == self.Status.OPEN and self.opens_at <= at < self.closes_at

    @property
    def has_results(self) -> bool:
        return self.status in (self.Status.CLOSED, self.Status.PUBLISHED)

    @property
    def choices_allowed(self) -> int:
        return 1 if self.method == self.Method.SINGLE else self.max_choices

    def weight_of(self, tier_ids: frozenset[int] | set[int]) -> int:
        """A ballot's weight for a voter entitled through `tier_ids`."""
        if not self.tier_weighting:
            return 1
        weights = [int(self.tier_weights.get(str(t), 1)) for t in tier_ids]
        return max(weights, default=1)


class Topic(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("On the ballot")
        REJECTED = "rejected", _("Not taken")
        MERGED = "merged", _("Merged into another topic")

    class Origin(models.TextChoices):
        EDITOR = "editor", _("Editors")
        MEMBER = "member", _("A member")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="topics")
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.APPROVED, db_index=True
    )
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.EDITOR)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggested_topics",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    rejection_reason = models.TextField(_("reason"), blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "title"], name="support_topic_unique_title"),
            models.CheckConstraint(
                condition=~models.Q(status="merged") | models.Q(merged_into__isnull=False),
                name="support_topic_merged_has_target",
            ),
        ]
        indexes = [
            # "Similar topics" on the suggestion form: pg_trgm similarity on the title.
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="support_topic_title_trgm"),
        ]

    def __str__(self) -> str:
        return self.title


class TopicSupport(models.Model):
    """A member backs a topic: by suggesting it, or by choosing it over their own near-copy.
    When a topic is merged into another, its supporters follow."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="support_topic_support_once")
        ]

    def __str__(self) -> str:
        return f"support {self.pk} of topic {self.topic_id}"


class TopicArticle(models.Model):
    """We covered it: a published article about a topic."""

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="articles")
    url = models.URLField(_("article address"), max_length=500)
    title = models.CharField(_("article title"), max_length=300)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "url"], name="support_article_once")
        ]

    def __str__(self) -> str:
        return self.title


class Ballot(models.Model):
    """One member's ballot in one round. `choices` holds topic ids: the one choice, the
    approved topics, or the ranking in order of preference. Staff pages show totals only;
    nothing but the member's own pages and data export ever reads a ballot with its voter.
    Deleting the account sets `user` to NULL: the ballot still counts, nobody is behind it."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="ballots")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="ballots"
    )
    choices = ArrayField(models.BigIntegerField())
    weight = models.PositiveSmallIntegerField(default=1)
    cast_at = models.DateTimeField()
    changed_at = models.DateTimeField()
    changes = models.PositiveIntegerField(default=0)

    # A refund or a dispute on the member during the round: for staff to look at.
    class Flag(models.TextChoices):
        REFUND = "refund", _("A refund during the round")
        DISPUTE = "dispute", _("A dispute during the round")

    flagged_at = models.DateTimeField(null=True, blank=True)
    flag = models.CharField(max_length=10, choices=Flag.choices, blank=True)
    flag_event_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="support_ballot_one_per_member"),
            models.CheckConstraint(
                condition=models.Q(choices__len__gte=1), name="support_ballot_has_a_choice"
            ),
            models.CheckConstraint(condition=models.Q(weight__gte=1), name="support_ballot_weight"),
        ]
        indexes = [GinIndex(fields=["choices"], name="support_ballot_choices")]

    def __str__(self) -> str:
        # Never the choices, never the voter: this string can end up in logs and pages.
        return f"ballot {self.pk} in round {self.round_id}"


class RoundResult(models.Model):
    """The result, computed once when the round closed and never recomputed. `tally` keeps
    the candidates (titles as they were), the totals or the instant-runoff rounds, ties and
    how they were broken, and the winner."""

    round = models.OneToOneField(Round, on_delete=models.PROTECT, related_name="result")
    method = models.CharField(max_length=10, choices=Round.Method.choices)
    tie_rule = models.TextField()
    seed = models.CharField(max_length=64)
    eligible = models.PositiveIntegerField()
    ballots = models.PositiveIntegerField()
    flagged = models.PositiveIntegerField(default=0)
    weighted = models.BooleanField(default=False)
    weights = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    tally = models.JSONField()
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"result of round {self.round_id}"

    @property
    def turnout(self) -> float:
        return self.ballots / self.eligible if self.eligible else 0.0


class Mailing(models.Model):
    """The progress of one fan-out: the invitations of a round, its reminders, or the
    "we covered it" letters of a topic. Each step takes the next batch of members after
    `cursor` and writes their ledger rows; the send itself is the email ledger's."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitations")
        REMINDER = "reminder", _("Reminders")
        COVERED = "covered", _("We covered it")

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="mailings")
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="mailings"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    cursor = models.BigIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    steps = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    # Moved by every step: a mailing whose chain of steps was lost is found by it.
    stepped_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "kind", "topic"],
                name="support_mailing_once",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} mailing of round {self.round_id}"
