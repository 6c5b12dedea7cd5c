"""Editors' pages: behind the editor role (readers and other staff get 403), rounds made and
run from them, the moderation queue, invitation progress, results; totals only, never who
chose what."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from members.mail.bulk import BulkItem, email_enqueue_bulk
from members.models import OutboundEmail
from support.models import Mailing, Round, Topic
from support.voting import rounds
from support.voting.ballots import ballot_cast
from support.voting.topics import topic_suggest
from tests.billing.factories import TierFactory
from tests.members.factories import UserFactory

from .helpers import DAY, a_round, patron, topic_ids

pytestmark = pytest.mark.django_db


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staff_urls(rnd: Round, topic: Topic) -> list[str]:
    return [
        "/staff/rounds/",
        "/staff/rounds/new/",
        f"/staff/rounds/{rnd.pk}/",
        f"/staff/rounds/{rnd.pk}/edit/",
        "/staff/moderation/",
        f"/staff/topics/{topic.pk}/",
    ]


def test_only_editors_reach_the_staff_voting_pages() -> None:
    rnd = a_round()
    topic = rnd.topics.first()
    editor = signed_in(UserFactory(roles=["editor"]))
    for url in staff_urls(rnd, topic):
        assert editor.get(url).status_code == 200, url
    for roles in ([], ["staff"], ["finance"], ["staff", "finance"]):
        other = signed_in(UserFactory(roles=roles))
        for url in staff_urls(rnd, topic):
            assert other.get(url).status_code == 403, (roles, url)
        assert other.post(f"/staff/rounds/{rnd.pk}/publish/").status_code == 403
    anonymous = Client().get("/staff/rounds/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_an_editor_creates_schedules_and_extends_a_round() -> None:
    reader, insider = TierFactory(name="Reader"), TierFactory(name="Insider")
    editor = signed_in(UserFactory(roles=["editor"]))
    opens = timezone.localtime(timezone.now() + DAY).strftime("%Y-%m-%dT%H:%M")
    closes = timezone.localtime(timezone.now() + 8 * DAY).strftime("%Y-%m-%dT%H:%M")
    form = {
        "title": "Spring vote", "slug": "spring-vote", "question": "What next?",
        "description": "", "opens_at": opens, "closes_at": closes, "method": "approval",
        "max_choices": "2", "allowed_tier_ids": [str(insider.pk)], "min_patron_days": "7",
        "tier_weighting": "on", f"weight_{insider.pk}": "3", f"weight_{reader.pk}": "1",
        "results_visibility": "public", "suggestion_limit": "3", "advisory_note": "",
    }  # fmt: skip
    response = editor.post("/staff/rounds/new/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    rnd = Round.objects.get(slug="spring-vote")
    assert (rnd.status, rnd.method, rnd.max_choices) == ("draft", "approval", 2)
    assert (rnd.allowed_tier_ids, rnd.tier_weights) == ([insider.pk], {str(insider.pk): 3})
    # A bad form: an error summary, nothing saved, no 500.
    bad = editor.post("/staff/rounds/new/", {**form, "slug": "x", "closes_at": opens})
    assert bad.status_code == 400
    assert "The vote must close after it opens." in bad.content.decode()
    for title in ("Harbour", "Buses"):
        editor.post(f"/staff/rounds/{rnd.pk}/topics/", {"title": title, "summary": ""})
    editor.post(f"/staff/rounds/{rnd.pk}/schedule/")
    rnd.refresh_from_db()
    assert rnd.status == "scheduled"
    page = editor.get(f"/staff/rounds/{rnd.pk}/").content.decode()
    assert "Insider \N{MULTIPLICATION SIGN}3" in page
    shorter = timezone.localtime(rnd.closes_at - DAY).strftime("%Y-%m-%dT%H:%M")
    response = editor.post(f"/staff/rounds/{rnd.pk}/extend/", {"closes_at": shorter})
    assert response.status_code == 400
    assert "not shortened" in response.content.decode()
    later = timezone.localtime(rnd.closes_at + DAY).strftime("%Y-%m-%dT%H:%M")
    assert editor.post(f"/staff/rounds/{rnd.pk}/extend/", {"closes_at": later}).status_code == 302


def test_moderation_queue_approve_merge_reject_from_the_page() -> None:
    rnd = a_round(topics=0)
    target = Topic.objects.create(round=rnd, title="Night buses stop at midnight", position=0)
    Topic.objects.create(round=rnd, title="Harbour warehouses", position=1)
    member = patron()
    near_copy = topic_suggest(rnd=rnd, user=member, title="Why do night buses stop at midnight")
    fresh = topic_suggest(rnd=rnd, user=member, title="School lunches")
    junk = topic_suggest(rnd=rnd, user=member, title="My neighbour")
    editor = signed_in(UserFactory(roles=["editor"]))
    page = editor.get("/staff/moderation/").content.decode()
    assert "Similar topics:" in page
    assert page.count("<section") == 3
    editor.post(f"/staff/moderation/{fresh.pk}/approve/")
    editor.post(f"/staff/moderation/{near_copy.pk}/merge/", {f"m{near_copy.pk}-into": target.pk})
    empty = editor.post(f"/staff/moderation/{junk.pk}/reject/", {f"r{junk.pk}-reason": ""})
    assert empty.status_code == 302
    junk.refresh_from_db()
    assert junk.status == "pending"  # no reason, no rejection
    editor.post(f"/staff/moderation/{junk.pk}/reject/", {f"r{junk.pk}-reason": "Private."})
    statuses = dict(Topic.objects.filter(origin="member").values_list("title", "status"))
    assert statuses == {
        "Why do night buses stop at midnight": "merged",
        "School lunches": "approved",
        "My neighbour": "rejected",
    }
    assert "No suggestions are waiting." in editor.get("/staff/moderation/").content.decode()


def test_the_round_page_shows_invitation_progress_and_flags_but_no_choices() -> None:
    rnd = a_round()
    voters = [patron(email=f"voter{n}@example.org") for n in range(3)]
    for voter in voters:
        ballot_cast(rnd=rnd, user_id=voter.pk, topic_ids=topic_ids(rnd)[:1])
    mailing = Mailing.objects.create(round=rnd, kind="invitation", queued=3)
    email_enqueue_bulk(
        kind="vote_invitation",
        items=[BulkItem(f"vote_invitation:{rnd.pk}:{v.pk}", v.pk, {"round_id": rnd.pk,
                        "user_id": v.pk}) for v in voters],
    )  # fmt: skip
    OutboundEmail.objects.filter(to="voter0@example.org").update(status="sent")
    editor = signed_in(UserFactory(roles=["editor"]))
    page = editor.get(f"/staff/rounds/{rnd.pk}/").content.decode()
    assert "1 sent of 3" in page
    assert 'http-equiv="refresh"' in page  # still going: the page refreshes itself
    mailing.finished_at = timezone.now()
    mailing.save()
    OutboundEmail.objects.update(status="sent")
    page = editor.get(f"/staff/rounds/{rnd.pk}/").content.decode()
    assert "3 sent of 3" in page
    assert 'http-equiv="refresh"' not in page
    # Totals only: no page names what a member chose.
    rounds.round_close(rnd=rnd, now=rnd.closes_at)
    results = editor.get(f"/staff/rounds/{rnd.pk}/results/").content.decode()
    assert "voter0@example.org" not in results


def test_the_staff_member_page_counts_ballots_and_shows_no_choices() -> None:
    rnd, other = a_round(), a_round()
    member = patron()
    ballot_cast(rnd=rnd, user_id=member.pk, topic_ids=topic_ids(rnd)[1:2])
    ballot_cast(rnd=other, user_id=member.pk, topic_ids=topic_ids(other)[:1])
    staff = signed_in(UserFactory(roles=["staff"]))
    page = staff.get(f"/staff/members/{member.pk}/").content.decode()
    assert "Ballots cast</dt><dd>2</dd>" in page
    for topic in Topic.objects.all():
        assert topic.title not in page


def test_editing_an_open_round_changes_its_words_not_its_rules_or_address() -> None:
    from support.voting.forms import RoundForm

    rnd = a_round()
    editor = signed_in(UserFactory(roles=["editor"]))
    initial = RoundForm.initial_for(rnd)
    form = {
        **{k: v for k, v in initial.items() if v is not None and not isinstance(v, bool)},
        "opens_at": initial["opens_at"].strftime("%Y-%m-%dT%H:%M"),  # minutes, as a browser
        "closes_at": initial["closes_at"].strftime("%Y-%m-%dT%H:%M"),
        "allowed_tier_ids": [],
    }
    response = editor.post(f"/staff/rounds/{rnd.pk}/edit/", {**form, "title": "Clearer title"})
    assert response.status_code == 302, response.content.decode()[:2000]
    rnd.refresh_from_db()
    assert rnd.title == "Clearer title"
    for change in ({"slug": "another-address"}, {"method": "approval"}):
        refused = editor.post(f"/staff/rounds/{rnd.pk}/edit/", {**form, **change})
        assert refused.status_code == 400
        assert "rules stay as they are" in refused.content.decode()
    rnd.refresh_from_db()
    assert (rnd.slug, rnd.method) != ("another-address", "approval")
