"""A member's data export holds their own ballots; deleting the account keeps the counts
and removes the link to the person."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from members.privacy import account_delete, account_export
from support.models import Ballot, RoundResult, Topic, TopicSupport
from support.voting import rounds
from support.voting.ballots import ballot_cast
from support.voting.topics import topic_suggest

from .helpers import a_round, patron, topic_ids

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_members_own_ballots_in_order() -> None:
    rnd = a_round(method="ranked", max_choices=3, title="Winter vote")
    ids = topic_ids(rnd)
    member, other = patron(), patron()
    ballot_cast(rnd=rnd, user_id=member.pk, topic_ids=[ids[2], ids[0]])
    ballot_cast(rnd=rnd, user_id=other.pk, topic_ids=[ids[1]])
    topic_suggest(rnd=rnd, user=member, title="My own idea")
    data = account_export(user=member)["voting"]
    titles = dict(Topic.objects.values_list("pk", "title"))
    assert [(b["round"], b["method"], b["choices"]) for b in data["ballots"]] == [
        ("Winter vote", "ranked", [titles[ids[2]], titles[ids[0]]])
    ]
    assert [(s["title"], s["status"]) for s in data["suggestions"]] == [("My own idea", "pending")]
    assert data["topics_backed"] == ["My own idea"]
    # Through the page as well, as JSON.
    client = Client()
    client.force_login(member)
    download = json.loads(client.get("/account/data/download/").content)
    assert download["voting"]["ballots"][0]["choices"] == [titles[ids[2]], titles[ids[0]]]


@pytest.mark.stripe
def test_deleting_the_account_keeps_the_counts_and_unlinks_the_person(stripe_api: object) -> None:
    rnd = a_round()
    ids = topic_ids(rnd)
    member, other = patron(), patron()
    ballot_cast(rnd=rnd, user_id=member.pk, topic_ids=[ids[0]])
    ballot_cast(rnd=rnd, user_id=other.pk, topic_ids=[ids[1]])
    idea = topic_suggest(rnd=rnd, user=member, title="My own idea")
    # Billing's erasers ask the Stripe stand-in first (it knows nothing of this member).
    account_delete(user=member)
    assert Ballot.objects.count() == 2
    orphan = Ballot.objects.get(choices=[ids[0]])
    assert orphan.user_id is None
    idea.refresh_from_db()
    assert idea.suggested_by_id is None
    assert TopicSupport.objects.get(topic=idea).user_id is None
    rounds.round_close(rnd=rnd, now=rnd.closes_at)
    result = RoundResult.objects.get(round=rnd)
    assert result.ballots == 2
    assert {t["topic"]: t["votes"] for t in result.tally["totals"]}[ids[0]] == 1
