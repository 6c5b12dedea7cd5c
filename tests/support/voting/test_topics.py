"""Suggestions: similar existing topics shown before submitting (pg_trgm), a per-member
limit, editors told; moderation: approve, merge (backers and ballots follow), reject with
a reason the member sees."""

from __future__ import annotations

import pytest
from django.test import Client

from members.models import OutboundEmail
from support.models import Ballot, Round, Topic, TopicSupport
from support.voting import rounds
from support.voting.ballots import ballot_cast
from support.voting.topics import (
    TopicRefused,
    similar_topics,
    topic_approve,
    topic_article_link,
    topic_merge,
    topic_propose,
    topic_reject,
    topic_suggest,
)
from tests.members.factories import UserFactory

from .helpers import a_round, patron, topic_ids

pytestmark = pytest.mark.django_db


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _round_with_real_titles(**fields: object) -> Round:
    rnd = a_round(topics=0, **fields)
    for n, title in enumerate(
        ["Why do night buses stop at midnight?", "Who owns the harbour's empty warehouses?",
         "Rents in student housing"]
    ):  # fmt: skip
        Topic.objects.create(round=rnd, title=title, position=n)
    return rnd


def test_similar_titles_by_trigram_similarity() -> None:
    rnd = _round_with_real_titles()
    found = [t.title for t in similar_topics(rnd=rnd, text="night buses stopping at midnight")]
    assert found == ["Why do night buses stop at midnight?"]
    assert list(similar_topics(rnd=rnd, text="The price of school lunches")) == []
    found = [t.title for t in similar_topics(rnd=rnd, text="student housing rents")]
    assert found == ["Rents in student housing"]


def test_the_form_shows_similar_topics_before_submitting_and_backing_one_adds_support() -> None:
    rnd = _round_with_real_titles()
    member = patron()
    client = signed_in(member)
    page = client.post(f"/vote/{rnd.slug}/suggest/", {"title": "Night buses stop at midnight"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Is it one of these?" in text
    assert "Why do night buses stop at midnight?" in text
    assert "Suggest mine anyway" in text
    assert 'name="confirmed" value="True"' in text
    assert not Topic.objects.filter(status="pending").exists()  # nothing submitted yet
    buses = Topic.objects.get(title__startswith="Why do night buses")
    client.post(f"/vote/{rnd.slug}/suggest/back/{buses.pk}/")
    assert TopicSupport.objects.filter(topic=buses, user=member).exists()
    # Or suggest it anyway: the confirmed form goes through.
    response = client.post(
        f"/vote/{rnd.slug}/suggest/",
        {"title": "Night buses stop at midnight", "summary": "", "confirmed": "True"},
    )
    assert response.status_code == 302
    mine = Topic.objects.get(title="Night buses stop at midnight")
    assert (mine.status, mine.origin, mine.suggested_by) == ("pending", "member", member)


def test_a_suggestion_unlike_any_topic_goes_straight_in_and_editors_are_told() -> None:
    rnd = _round_with_real_titles()
    editor = UserFactory(roles=["editor"])
    UserFactory(roles=["finance"])
    client = signed_in(patron())
    response = client.post(
        f"/vote/{rnd.slug}/suggest/", {"title": "The price of school lunches", "summary": "Why"}
    )
    assert response.status_code == 302
    topic = Topic.objects.get(title="The price of school lunches")
    emails = list(OutboundEmail.objects.filter(kind="topic_suggested"))
    assert [(e.to, e.key) for e in emails] == [
        (editor.email, f"topic_suggested:{topic.pk}:{editor.pk}")
    ]


def test_the_per_member_limit_and_who_may_suggest() -> None:
    rnd = _round_with_real_titles(suggestion_limit=2)
    member = patron()
    topic_suggest(rnd=rnd, user=member, title="Cycle lanes on the ring road")
    topic_suggest(rnd=rnd, user=member, title="The port's night shifts")
    with pytest.raises(TopicRefused, match="2 suggestions"):
        topic_suggest(rnd=rnd, user=member, title="Library opening hours")
    with pytest.raises(TopicRefused, match="Voting is for patrons"):
        topic_suggest(rnd=rnd, user=UserFactory(), title="Library opening hours")
    with pytest.raises(TopicRefused, match="already"):
        topic_suggest(rnd=rnd, user=patron(), title="rents in student housing")
    closed = _round_with_real_titles(status=Round.Status.CLOSED)
    with pytest.raises(TopicRefused, match="does not take"):
        topic_suggest(rnd=closed, user=patron(), title="Something new")
    assert Topic.objects.filter(suggested_by=member).count() == 2


def test_approve_and_reject_with_a_reason_the_member_sees() -> None:
    rnd = _round_with_real_titles()
    editor, member = UserFactory(roles=["editor"]), patron()
    good = topic_suggest(rnd=rnd, user=member, title="Cycle lanes on the ring road")
    bad = topic_suggest(rnd=rnd, user=member, title="My neighbour's hedge")
    assert topic_approve(topic=good, editor=editor).status == "approved"
    assert good.pk in topic_ids(rnd)
    with pytest.raises(TopicRefused, match="Say why"):
        topic_reject(topic=bad, editor=editor, reason="  ")
    topic_reject(topic=bad, editor=editor, reason="A private dispute, not a public story.")
    page = signed_in(member).get(f"/vote/{rnd.slug}/suggest/").content.decode()
    assert "My neighbour&#x27;s hedge" in page
    assert "A private dispute, not a public story." in page
    with pytest.raises(TopicRefused):
        topic_approve(topic=bad, editor=editor)


def test_merge_moves_backers_and_ballots_to_the_target() -> None:
    rnd = a_round(method="ranked", max_choices=3, topics=2)
    editor = UserFactory(roles=["editor"])
    target, other = topic_ids(rnd)
    suggester, backer, both = patron(), patron(), patron()
    copy = topic_suggest(rnd=rnd, user=suggester, title="A near copy")
    TopicSupport.objects.create(topic=copy, user=backer)
    TopicSupport.objects.create(topic=copy, user=both)
    TopicSupport.objects.create(topic=Topic.objects.get(pk=target), user=both)
    topic_approve(topic=copy, editor=editor)
    v1, v2, v3 = patron(), patron(), patron()
    ballot_cast(rnd=rnd, user_id=v1.pk, topic_ids=[copy.pk, other])
    ballot_cast(rnd=rnd, user_id=v2.pk, topic_ids=[other, target, copy.pk])
    ballot_cast(rnd=rnd, user_id=v3.pk, topic_ids=[copy.pk, other, target])
    topic_merge(topic=copy, into=Topic.objects.get(pk=target), editor=editor)
    copy.refresh_from_db()
    assert (copy.status, copy.merged_into_id) == ("merged", target)
    backers = set(TopicSupport.objects.filter(topic_id=target).values_list("user_id", flat=True))
    assert backers == {suggester.pk, backer.pk, both.pk}
    assert not TopicSupport.objects.filter(topic=copy).exists()
    choices = dict(Ballot.objects.values_list("user_id", "choices"))
    assert choices == {
        v1.pk: [target, other],
        v2.pk: [other, target],  # target kept its better rank
        v3.pk: [target, other],  # the copy's first place went to the target, once
    }
    page = signed_in(suggester).get(f"/vote/{rnd.slug}/suggest/").content.decode()
    assert "Your support now counts for" in page


def test_merge_is_refused_across_rounds_into_pending_topics_and_after_the_close() -> None:
    rnd, other = a_round(), a_round()
    editor = UserFactory(roles=["editor"])
    suggestion = topic_suggest(rnd=rnd, user=patron(), title="Something")
    with pytest.raises(TopicRefused):
        topic_merge(topic=suggestion, into=Topic.objects.filter(round=other).first(), editor=editor)
    pending = topic_suggest(rnd=rnd, user=patron(), title="Something else")
    with pytest.raises(TopicRefused):
        topic_merge(topic=suggestion, into=pending, editor=editor)
    rounds.round_close(rnd=rnd, now=rnd.closes_at)
    with pytest.raises(TopicRefused, match="closed"):
        topic_merge(topic=suggestion, into=Topic.objects.filter(round=rnd).first(), editor=editor)


def test_editors_propose_topics_until_the_round_opens() -> None:
    editor = UserFactory(roles=["editor"])
    draft = a_round(status=Round.Status.DRAFT, topics=0)
    topic = topic_propose(rnd=draft, title="Harbour dredging", editor=editor)
    assert (topic.status, topic.origin) == ("approved", "editor")
    with pytest.raises(TopicRefused):
        topic_propose(rnd=a_round(), title="Too late", editor=editor)


def test_linking_an_article_starts_one_mailing_to_the_topics_voters() -> None:
    rnd = a_round()
    editor = UserFactory(roles=["editor"])
    winner = Topic.objects.get(pk=topic_ids(rnd)[0])
    with pytest.raises(TopicRefused, match="closed"):
        topic_article_link(topic=winner, url="https://news.example.org/a", title="A", editor=editor)
    rounds.round_close(rnd=rnd, now=rnd.closes_at)
    topic_article_link(topic=winner, url="https://news.example.org/a", title="A", editor=editor)
    topic_article_link(topic=winner, url="https://news.example.org/b", title="B", editor=editor)
    with pytest.raises(TopicRefused, match="already"):
        topic_article_link(topic=winner, url="https://news.example.org/a", title="A", editor=editor)
    assert winner.mailings.filter(kind="covered").count() == 1
    page = Client().get("/covered/").content.decode()
    assert winner.title in page
    assert 'href="https://news.example.org/b"' in page
