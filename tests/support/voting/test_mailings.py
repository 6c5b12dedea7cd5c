"""Invitations, reminders and "we covered it" through the real worker on the bulk queue:
one email per member per cause, opted-out members skipped, the signed link inside, and a
fan-out to 10,000 members that leaves exactly one email each."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from billing.models import Membership, MembershipChange
from members.mail.services import email_enqueue
from members.models import OutboundEmail, User
from support.models import Mailing, Round
from support.voting import rounds
from support.voting.ballots import ballot_cast
from support.voting.links import ballot_token_read
from support.voting.mailings import mailing_step_run
from support.voting.topics import topic_article_link
from tests.billing.factories import TierFactory
from tests.members.factories import UserFactory
from tests.utils import mailbox, text_of, wait_for

from .helpers import DAY, a_round, patron, topic_ids

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def many_patrons(count: int, *, days: float = 30) -> list[int]:
    """`count` members with a membership history that makes them patrons for `days`,
    written in bulk (the factories would take minutes for thousands)."""
    tier = TierFactory()
    password = make_password(None)
    stamp = time.monotonic_ns()
    users = User.objects.bulk_create(
        User(email=f"p{stamp}-{n}@example.org", password=password, display_name=f"Patron {n}")
        for n in range(count)
    )
    memberships = Membership.objects.bulk_create(
        Membership(user=u, tier=tier, stripe_subscription_id=f"sub_bulk{stamp}_{u.pk}",
                   stripe_customer_id=f"cus_bulk{stamp}_{u.pk}", status="active", amount=500,
                   currency="eur", interval="month", started_at=timezone.now() - days * DAY)
        for u in users
    )  # fmt: skip
    MembershipChange.objects.bulk_create(
        MembershipChange(membership=m, user_id=m.user_id, kind="started",
                         occurred_at=timezone.now() - days * DAY, source="webhook",
                         source_key=f"evt_bulk_{m.pk}", currency="eur", status_after="active",
                         entitled_after=True, tier_after=tier)
        for m in memberships
    )  # fmt: skip
    return [u.pk for u in users]


def _open_now(rnd: Round) -> None:
    Round.objects.filter(pk=rnd.pk).update(status=Round.Status.SCHEDULED)
    assert rounds.rounds_tick().opened == 1
    rnd.refresh_from_db()


def _sent(kind: str) -> int:
    return OutboundEmail.objects.filter(kind=kind, status="sent").count()


def test_bulk_mail_is_routed_to_its_own_queue() -> None:
    routes = settings.CELERY_TASK_ROUTES
    assert routes["members.tasks.send_bulk_emails"] == {"queue": "bulk"}
    assert routes["support.voting.tasks.mailing_step"] == {"queue": "bulk"}
    assert routes["members.tasks.send_email"] == {"queue": "emails"}
    assert "bulk" in {q.name for q in settings.CELERY_TASK_QUEUES}


def test_opening_invites_each_eligible_member_once_with_their_own_link(
    celery_worker: object,
) -> None:
    rnd = a_round(status=Round.Status.DRAFT)
    invited = [patron(email=f"invited{n}@example.org") for n in range(3)]
    patron(email="opted-out@example.org", email_vote_invitations=False)
    patron(email="too-new@example.org", days=2)
    UserFactory(email="reader@example.org")
    _open_now(rnd)
    wait_for(lambda: _sent("vote_invitation") == 3, timeout=60)
    mailing = wait_for(lambda: Mailing.objects.filter(round=rnd, finished_at__isnull=False).first())
    assert (mailing.queued, mailing.skipped) == (3, 1)
    messages = {m["To"]: m for m in mailbox()}
    assert set(messages) == {m.email for m in invited}
    for member in invited:
        message = messages[member.email]
        assert message["Subject"] == f"Your vote: {rnd.title}"
        assert str(message["List-Unsubscribe"]).strip().startswith("<http")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = re.search(r"http://\S+/vote/\S+/ballot/\S+/", text_of(message)).group(0)
        assert ballot_token_read(link.rstrip("/").rsplit("/", 1)[1], rnd=rnd) == member.pk
    skipped = OutboundEmail.objects.get(to="opted-out@example.org")
    assert skipped.status == "skipped"
    # Opening again, or a lost step run again, sends nothing more.
    rounds.rounds_tick()
    assert mailing_step_run(mailing_id=mailing.pk) is False
    time.sleep(1)
    assert len(mailbox()) == 3


def test_the_reminder_goes_once_only_to_eligible_members_who_have_not_voted(
    celery_worker: object,
) -> None:
    rnd = a_round(
        opens_at=timezone.now() - 5 * DAY, closes_at=timezone.now() + 20 * 60 * 60 / 86400 * DAY
    )
    voters = [patron(email=f"voted{n}@example.org") for n in range(2)]
    waiting = [patron(email=f"waiting{n}@example.org") for n in range(3)]
    patron(email="no-reminders@example.org", email_reminders=False)
    for voter in voters:
        ballot_cast(rnd=rnd, user_id=voter.pk, topic_ids=topic_ids(rnd)[:1])
    assert rounds.rounds_tick().reminded == 1
    wait_for(lambda: _sent("vote_reminder") == 3, timeout=60)
    wait_for(lambda: Mailing.objects.filter(round=rnd, kind="reminder", finished_at__isnull=False))
    assert rounds.rounds_tick().reminded == 0
    time.sleep(1)
    reminders = [m for m in mailbox() if m["Subject"].startswith("One day left to vote")]
    assert sorted(m["To"] for m in reminders) == sorted(w.email for w in waiting)
    assert OutboundEmail.objects.get(to="no-reminders@example.org").status == "skipped"


def test_we_covered_it_goes_once_to_the_topics_voters(celery_worker: object) -> None:
    rnd = a_round(method="approval", max_choices=2)
    covered, other, _ = topic_ids(rnd)
    fans = [patron(email=f"fan{n}@example.org") for n in range(2)]
    elsewhere = patron(email="elsewhere@example.org")
    for fan in fans:
        ballot_cast(rnd=rnd, user_id=fan.pk, topic_ids=[other, covered])
    ballot_cast(rnd=rnd, user_id=elsewhere.pk, topic_ids=[other])
    rounds.round_close(rnd=rnd, now=timezone.now() + 8 * DAY)
    editor = UserFactory(roles=["editor"])
    topic = rnd.topics.get(pk=covered)
    topic_article_link(
        topic=topic, url="https://news.example.org/a", title="Part one", editor=editor
    )
    topic_article_link(
        topic=topic, url="https://news.example.org/b", title="Part two", editor=editor
    )
    wait_for(lambda: _sent("topic_covered") == 2, timeout=60)
    time.sleep(1)
    letters = [m for m in mailbox() if m["Subject"].startswith("You asked, we reported")]
    assert sorted(m["To"] for m in letters) == sorted(f.email for f in fans)
    assert "https://news.example.org/a" in text_of(letters[0])


def test_an_invitation_fan_out_to_ten_thousand_members_sends_exactly_one_email_each(
    celery_worker: object,
) -> None:
    rnd = a_round(status=Round.Status.DRAFT, min_patron_days=7)
    ids = many_patrons(10_000)
    started = time.monotonic()
    _open_now(rnd)
    # A receipt-like email queued behind the fan-out does not wait for it (its own queue).
    time.sleep(2)
    urgent = email_enqueue(key="test:urgent", kind="account", to="urgent@example.org",
                           subject="Urgent", body_text="Now.")  # fmt: skip
    wait_for(lambda: OutboundEmail.objects.filter(pk=urgent.pk, status="sent").exists(), timeout=30)
    still_to_send = 10_000 - _sent("vote_invitation")
    wait_for(lambda: _sent("vote_invitation") == 10_000, timeout=600, interval=1)
    seconds = time.monotonic() - started
    messages = mailbox()
    invitations = [m["To"] for m in messages if m["Subject"].startswith("Your vote:")]
    assert len(invitations) == 10_000
    assert len(set(invitations)) == 10_000
    emails = set(User.objects.filter(pk__in=ids).values_list("email", flat=True))
    assert set(invitations) == emails
    mailing = wait_for(lambda: Mailing.objects.filter(round=rnd, finished_at__isnull=False).first())
    assert (mailing.queued, mailing.skipped) == (10_000, 0)
    assert OutboundEmail.objects.filter(kind="vote_invitation").count() == 10_000
    assert still_to_send > 1000, "the urgent email was sent while invitations were going out"
    print(f"10,000 invitations sent in {seconds:.1f} s")  # noqa: T201 - for whoever reads -s
