"""`make run`'s demo data: a closed round with published results, an open round with
ballots, cast through the ballot service (eligibility by the history), and idempotent."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from support.models import Ballot, Round, RoundResult, Topic

pytestmark = [pytest.mark.django_db, pytest.mark.stripe]


def test_seed_demo_makes_an_open_round_with_ballots_and_a_closed_round_with_results(
    stripe_api: object,
) -> None:
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)  # idempotent
    open_round = Round.objects.get(slug="what-next")
    closed = Round.objects.get(slug="autumn-vote")
    assert open_round.is_open
    assert Ballot.objects.filter(round=open_round).count() == 16
    assert closed.status == Round.Status.PUBLISHED
    result = RoundResult.objects.get(round=closed)
    assert result.ballots == 24
    assert result.tally["rounds"]
    assert Topic.objects.filter(round=open_round, status="pending").count() == 1
    client = Client()
    assert "<svg" in client.get("/vote/autumn-vote/results/").content.decode()
    assert "what we found" in client.get("/covered/").content.decode()
    assert "What should we investigate next?" in client.get("/vote/").content.decode()
