"""Topics: editors propose them, members suggest them, editors moderate the suggestions
(approve, merge into another topic, reject with a reason the member sees), and link the
articles that covered them.

Suggestions are for rounds that are scheduled or open, by members who may vote in that
round, up to the round's limit per member (counted under a per-member lock, so a double
submit cannot pass it). Editors are emailed about each new suggestion.
"""

from __future__ import annotations

from django.contrib.postgres.search import TrigramSimilarity
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.mail.services import email_enqueue
from members.models import User
from members.selectors import members_with_permission

from ..models import Ballot, Mailing, Round, Topic, TopicArticle, TopicSupport
from .ballots import refusal_message
from .eligibility import eligibility_for

SIMILARITY = 0.3  # pg_trgm's own default threshold for `%`
EDITOR_PERMISSION = "support.manage_voting"


class TopicRefused(Exception):
    """Nothing changed; the message says why."""


def _next_position(rnd: Round) -> int:
    top = Topic.objects.filter(round=rnd).aggregate(m=Max("position"))["m"]
    return 0 if top is None else top + 1


def _title_taken(rnd: Round, title: str) -> Topic | None:
    return Topic.objects.filter(round=rnd, title__iexact=title.strip()).first()


def similar_topics(*, rnd: Round, text: str, limit: int = 5) -> QuerySet[Topic]:
    """Topics of `rnd` on the ballot or waiting for review whose title is like `text`
    (pg_trgm trigram similarity, most similar first)."""
    text = text.strip()
    return (
        Topic.objects.filter(round=rnd, status__in=[Topic.Status.APPROVED, Topic.Status.PENDING])
        .annotate(similarity=TrigramSimilarity("title", text))
        .filter(similarity__gte=SIMILARITY)
        .order_by("-similarity", "pk")[:limit]
    )


@transaction.atomic
def topic_propose(*, rnd: Round, title: str, summary: str = "", editor: User) -> Topic:
    """An editor's topic: on the ballot at once. Not once the round is open (ballots
    already cast did not see it) or closed."""
    rnd = Round.objects.select_for_update().get(pk=rnd.pk)
    if rnd.status not in (Round.Status.DRAFT, Round.Status.SCHEDULED):
        raise TopicRefused(_("Topics can be added until the vote opens."))
    if _title_taken(rnd, title):
        raise TopicRefused(_("This round has a topic with that title already."))
    return Topic.objects.create(
        round=rnd,
        title=title.strip(),
        summary=summary.strip(),
        position=_next_position(rnd),
        status=Topic.Status.APPROVED,
        origin=Topic.Origin.EDITOR,
        moderated_by=editor,
        moderated_at=timezone.now(),
    )


def suggestions_left(*, rnd: Round, user_id: int) -> int:
    used = Topic.objects.filter(round=rnd, suggested_by_id=user_id).count()
    return max(rnd.suggestion_limit - used, 0)


def _check_member_may_suggest(rnd: Round, user: User) -> None:
    if not (rnd.status == Round.Status.SCHEDULED or rnd.is_open):
        raise TopicRefused(_("This round does not take suggestions."))
    eligibility = eligibility_for(rnd=rnd, user_id=user.pk)
    if not eligibility.eligible:
        raise TopicRefused(refusal_message(eligibility, rnd))


def _lock_member(rnd: Round, user: User) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"support.suggest:{rnd.pk}:{user.pk}"],
        )


def topic_suggest(*, rnd: Round, user: User, title: str, summary: str = "") -> Topic:
    """A member's suggestion, waiting for review; the member backs it, and each editor is
    emailed (one email per editor per suggestion, through the ledger). Refused (nothing
    recorded) past the member's limit, for a title the round has, or for a member who may
    not vote in the round."""
    title = title.strip()
    _check_member_may_suggest(rnd, user)
    try:
        with transaction.atomic():
            _lock_member(rnd, user)
            if suggestions_left(rnd=rnd, user_id=user.pk) <= 0:
                raise TopicRefused(
                    _("You have made %(n)s suggestions for this round, the most it takes.")
                    % {"n": rnd.suggestion_limit}
                )
            if _title_taken(rnd, title):
                raise TopicRefused(_("This round has a topic with that title already."))
            topic = Topic.objects.create(
                round=rnd,
                title=title,
                summary=summary.strip(),
                position=_next_position(rnd),
                status=Topic.Status.PENDING,
                origin=Topic.Origin.MEMBER,
                suggested_by=user,
            )
            TopicSupport.objects.create(topic=topic, user=user)
            for editor in members_with_permission(permission=EDITOR_PERMISSION):
                email_enqueue(
                    key=f"topic_suggested:{topic.pk}:{editor.pk}",
                    kind="topic_suggested",
                    to=editor.email,
                    user=editor,
                    context={"topic_id": topic.pk},
                )
    except IntegrityError as exc:  # the same title, suggested at the same moment
        raise TopicRefused(_("This round has a topic with that title already.")) from exc
    return topic


def topic_back(*, topic: Topic, user: User) -> TopicSupport:
    """A member backs an existing topic instead of suggesting a near-copy. Idempotent."""
    _check_member_may_suggest(topic.round, user)
    if topic.status not in (Topic.Status.APPROVED, Topic.Status.PENDING):
        raise TopicRefused(_("This topic is not open for support."))
    support, _created = TopicSupport.objects.get_or_create(topic=topic, user=user)
    return support


def _moderated(topic: Topic, editor: User, status: str) -> None:
    topic.status = status
    topic.moderated_by = editor
    topic.moderated_at = timezone.now()


@transaction.atomic
def topic_approve(*, topic: Topic, editor: User) -> Topic:
    """A suggestion goes on the ballot (members may change their ballots until the close)."""
    topic = Topic.objects.select_for_update().select_related("round").get(pk=topic.pk)
    if topic.status != Topic.Status.PENDING:
        raise TopicRefused(_("Only a suggestion waiting for review can be approved."))
    if topic.round.has_results:
        raise TopicRefused(_("This vote has closed."))
    _moderated(topic, editor, Topic.Status.APPROVED)
    topic.save(update_fields=["status", "moderated_by", "moderated_at"])
    return topic


@transaction.atomic
def topic_reject(*, topic: Topic, editor: User, reason: str) -> Topic:
    """A suggestion is not taken; the member sees `reason` on their suggestions page."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.status != Topic.Status.PENDING:
        raise TopicRefused(_("Only a suggestion waiting for review can be rejected."))
    if not reason.strip():
        raise TopicRefused(_("Say why, so the member knows."))
    _moderated(topic, editor, Topic.Status.REJECTED)
    topic.rejection_reason = reason.strip()
    topic.save(update_fields=["status", "moderated_by", "moderated_at", "rejection_reason"])
    return topic


# Replace `old` by `new` in each ballot's choices and keep each topic once, at its best
# (first) place: a ranking that had both keeps the higher of the two ranks.
_MERGE_BALLOTS_SQL = """
    UPDATE support_ballot SET choices = (
        SELECT array_agg(c ORDER BY first_at)
        FROM (
            SELECT c, min(n) AS first_at
            FROM unnest(array_replace(choices, %(old)s::bigint, %(new)s::bigint))
                 WITH ORDINALITY AS u(c, n)
            GROUP BY c
        ) AS kept
    )
    WHERE round_id = %(round)s AND choices @> ARRAY[%(old)s::bigint]
"""


@transaction.atomic
def topic_merge(*, topic: Topic, into: Topic, editor: User) -> Topic:
    """`topic` becomes part of `into` (same round, on the ballot): its supporters back
    `into`, and ballots that chose it now choose `into` (once, at the better rank). Not
    after the round closed: results are computed once."""
    rnd = Round.objects.select_for_update().get(pk=topic.round_id)
    topic, into = (
        Topic.objects.select_for_update().get(pk=topic.pk),
        Topic.objects.select_for_update().get(pk=into.pk),
    )
    if topic.pk == into.pk or into.round_id != topic.round_id:
        raise TopicRefused(_("Merge into another topic of the same round."))
    if into.status != Topic.Status.APPROVED:
        raise TopicRefused(_("Merge into a topic that is on the ballot."))
    if topic.status not in (Topic.Status.PENDING, Topic.Status.APPROVED):
        raise TopicRefused(_("This topic cannot be merged."))
    if rnd.has_results:
        raise TopicRefused(_("This vote has closed."))
    followers = TopicSupport.objects.filter(topic=topic).exclude(
        Q(user__isnull=False) & Q(user__in=TopicSupport.objects.filter(topic=into).values("user"))
    )
    followers.update(topic=into)
    TopicSupport.objects.filter(topic=topic).delete()  # duplicates of supporters of `into`
    with connection.cursor() as cursor:
        cursor.execute(_MERGE_BALLOTS_SQL, {"old": topic.pk, "new": into.pk, "round": rnd.pk})
    _moderated(topic, editor, Topic.Status.MERGED)
    topic.merged_into = into
    topic.save(update_fields=["status", "moderated_by", "moderated_at", "merged_into"])
    return topic


def topic_article_link(*, topic: Topic, url: str, title: str, editor: User) -> TopicArticle:
    """We covered it: link a published article to a topic of a closed round. The topic's
    voters get one email about it (the first article linked; later ones are listed on the
    "You asked, we reported" page), through a bulk mailing."""
    from .mailings import mailing_start

    with transaction.atomic():
        topic = Topic.objects.select_for_update().select_related("round").get(pk=topic.pk)
        if topic.status != Topic.Status.APPROVED or not topic.round.has_results:
            raise TopicRefused(_("Link coverage to a topic of a vote that has closed."))
        article, created = TopicArticle.objects.get_or_create(
            topic=topic, url=url.strip(), defaults={"title": title.strip(), "linked_by": editor}
        )
        if not created:
            raise TopicRefused(_("This article is linked to the topic already."))
        mailing_start(rnd=topic.round, kind=Mailing.Kind.COVERED, topic=topic)
    return article


def voters_of(*, topic: Topic) -> int:
    return Ballot.objects.filter(round_id=topic.round_id, choices__contains=[topic.pk]).count()
