"""Members' voting pages: the ballot signed in and through the signed link (forged,
expired and other members' links refused with a clear page), results with their chart."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from support.models import Ballot, Round
from support.voting import rounds
from support.voting.ballots import ballot_cast
from support.voting.links import SALT, ballot_token, ballot_token_read, ballot_url
from tests.members.factories import UserFactory

from .helpers import a_round, patron, topic_ids

pytestmark = pytest.mark.django_db


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def link_path(rnd: Round, user_id: int) -> str:
    return "/" + ballot_url(rnd=rnd, user_id=user_id).split("/", 3)[3]


def test_the_vote_page_lists_open_rounds_and_results(client: Client) -> None:
    open_round = a_round(title="Harbour or buses?")
    done = a_round(title="Last winter's vote")
    rounds.round_close(rnd=done, now=done.closes_at)
    rounds.round_publish(rnd=done)
    a_round(title="A draft nobody sees", status=Round.Status.DRAFT)
    page = client.get("/vote/").content.decode()
    assert "Harbour or buses?" in page
    assert f'href="/vote/{open_round.slug}/"' in page
    assert f'href="/vote/{done.slug}/results/"' in page
    assert "A draft nobody sees" not in page
    assert client.get(f"/vote/{open_round.slug}/").status_code == 200
    assert client.get("/vote/no-such-round/").status_code == 404


def test_a_signed_in_patron_votes_and_changes_the_vote() -> None:
    rnd = a_round()
    first, second, _ = topic_ids(rnd)
    member = patron()
    client = signed_in(member)
    page = client.get(f"/vote/{rnd.slug}/").content.decode()
    assert "Cast my vote" in page
    response = client.post(f"/vote/{rnd.slug}/", {"topic": str(first)})
    assert response.status_code == 302
    page = client.get(f"/vote/{rnd.slug}/").content.decode()
    assert "Your vote is saved" in page
    assert "Change my vote" in page
    assert re.search(rf'<input type="radio" name="topic" value="{first}"[^>]* checked>', page)
    client.post(f"/vote/{rnd.slug}/", {"topic": str(second)})
    assert Ballot.objects.get(user=member).choices == [second]


def test_a_reader_who_is_not_a_patron_sees_why_and_cannot_vote() -> None:
    rnd = a_round()
    client = signed_in(UserFactory())
    page = client.get(f"/vote/{rnd.slug}/").content.decode()
    assert "Voting is for patrons" in page
    assert "Cast my vote" not in page
    response = client.post(f"/vote/{rnd.slug}/", {"topic": str(topic_ids(rnd)[0])})
    assert response.status_code == 403
    assert "Voting is for patrons" in response.content.decode()
    assert not Ballot.objects.exists()


def test_bad_input_gets_a_clear_error_and_no_500() -> None:
    rnd = a_round(method="ranked", max_choices=3)
    ids = topic_ids(rnd)
    client = signed_in(patron())
    for data in ({}, {f"rank_{ids[0]}": "1", f"rank_{ids[1]}": "1"}, {f"rank_{ids[0]}": "99"}):
        response = client.post(f"/vote/{rnd.slug}/", data)
        assert response.status_code == 400
        assert "There is a problem" in response.content.decode()
    assert not Ballot.objects.exists()
    client.post(f"/vote/{rnd.slug}/", {f"rank_{ids[2]}": "1", f"rank_{ids[0]}": "2"})
    assert Ballot.objects.get().choices == [ids[2], ids[0]]


def test_the_signed_link_opens_that_ballot_without_signing_in(client: Client) -> None:
    rnd = a_round()
    member = patron()
    path = link_path(rnd, member.pk)
    page = client.get(path)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    assert "private" in page["Cache-Control"]
    assert "Cast my vote" in page.content.decode()
    response = client.post(path, {"topic": str(topic_ids(rnd)[1])})
    assert response.status_code == 302
    assert Ballot.objects.get(user=member).choices == [topic_ids(rnd)[1]]
    # Nobody was signed in.
    assert "_auth_user_id" not in client.session
    assert client.get("/account/").status_code == 302


def test_forged_tampered_and_other_rounds_links_are_refused(client: Client) -> None:
    rnd, other = a_round(), a_round()
    member = patron()
    good = ballot_token(rnd=rnd, user_id=member.pk)
    forged = signing.dumps({"r": rnd.pk, "u": member.pk}, salt="someone-else", compress=True)
    tampered = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    for token in (forged, tampered, "not-a-token"):
        response = client.get(f"/vote/{rnd.slug}/ballot/{token}/")
        assert response.status_code == 400
        assert "This ballot link does not work" in response.content.decode()
    # A good token for another round, in this round's address.
    response = client.get(f"/vote/{other.slug}/ballot/{good}/")
    assert response.status_code == 400
    response = client.post(f"/vote/{rnd.slug}/ballot/{tampered}/", {"topic": topic_ids(rnd)[0]})
    assert response.status_code == 400
    assert not Ballot.objects.exists()
    assert signing.loads(good, salt=SALT) == {"r": rnd.pk, "u": member.pk}


def test_a_link_expires_when_the_round_closes_and_lives_on_if_extended(client: Client) -> None:
    rnd = a_round()
    member = patron()
    path = link_path(rnd, member.pk)
    rounds.round_extend(rnd=rnd, closes_at=rnd.closes_at + timedelta(days=2))
    assert client.get(path).status_code == 200
    Round.objects.filter(pk=rnd.pk).update(
        opens_at=timezone.now() - timedelta(days=3), closes_at=timezone.now()
    )
    response = client.get(path)
    assert response.status_code == 410
    assert "This vote has closed" in response.content.decode()
    response = client.post(path, {"topic": str(topic_ids(rnd)[0])})
    assert response.status_code == 410
    assert not Ballot.objects.exists()


def test_another_members_link_is_refused_to_a_signed_in_member() -> None:
    rnd = a_round()
    owner, someone = patron(), patron()
    client = signed_in(someone)
    response = client.get(link_path(rnd, owner.pk))
    assert response.status_code == 403
    assert "someone else's" in response.content.decode()
    response = client.post(link_path(rnd, owner.pk), {"topic": str(topic_ids(rnd)[0])})
    assert response.status_code == 403
    assert not Ballot.objects.exists()
    # Their own link works.
    assert client.get(link_path(rnd, someone.pk)).status_code == 200


def _published(**fields: object) -> Round:
    rnd = a_round(**fields)
    voters = [patron() for _ in range(3)]
    ids = topic_ids(rnd)
    for voter, choice in zip(voters, ([ids[0]], [ids[0]], [ids[1]]), strict=True):
        ballot_cast(rnd=rnd, user_id=voter.pk, topic_ids=choice)
    rounds.round_close(rnd=rnd, now=rnd.closes_at)
    rounds.round_publish(rnd=rnd)
    return rnd


def test_results_page_has_a_server_side_svg_chart_and_its_table(client: Client) -> None:
    rnd = _published()
    page = client.get(f"/vote/{rnd.slug}/results/").content.decode()
    svg = re.search(r"<svg[^>]*>.*?</svg>", page, re.S)
    assert svg is not None
    assert 'role="img"' in svg.group(0)
    assert svg.group(0).count('class="chart__bar') == 3
    assert "<script" not in page
    assert "Topic 1 of" in page
    assert "67%" in page  # 2 of 3 votes
    assert "Turnout" in page
    assert "An advisory vote" in page
    assert rnd.result.seed in page
    assert "fewer votes in the previous round" in page


def test_results_for_members_only_and_not_before_publishing(client: Client) -> None:
    rnd = _published(results_visibility="members")
    assert client.get(f"/vote/{rnd.slug}/results/").status_code == 403
    assert signed_in(UserFactory()).get(f"/vote/{rnd.slug}/results/").status_code == 403
    assert signed_in(patron()).get(f"/vote/{rnd.slug}/results/").status_code == 200
    closed = a_round()
    rounds.round_close(rnd=closed, now=closed.closes_at)
    assert client.get(f"/vote/{closed.slug}/results/").status_code == 404


def test_ranked_results_show_the_round_by_round_table(client: Client) -> None:
    rnd = a_round(method="ranked", max_choices=3)
    a, b, c = topic_ids(rnd)
    for choice in ([a], [a], [b, c], [b], [c, b]):
        ballot_cast(rnd=rnd, user_id=patron().pk, topic_ids=choice)
    rounds.round_close(rnd=rnd, now=rnd.closes_at)
    rounds.round_publish(rnd=rnd)
    page = client.get(f"/vote/{rnd.slug}/results/").content.decode()
    assert "Round by round" in page
    assert "Round 2" in page
    assert "eliminated" in page


def test_the_voting_pages_speak_ukrainian() -> None:
    rnd = a_round(method="ranked", max_choices=3)
    client = signed_in(patron(preferred_language="uk"))
    client.cookies["django_language"] = "uk"
    page = client.get(f"/vote/{rnd.slug}/").content.decode()
    assert '<html lang="uk">' in page
    assert "Проголосувати</button>" in page
    assert "Поставте на місця до 3 тем" in page
    assert "Без місця" in page
    index = client.get("/vote/").content.decode()
    assert "Голосуйте, про що ми напишемо далі" in index
    closed = a_round()
    rounds.round_close(rnd=closed, now=closed.closes_at)
    rounds.round_publish(rnd=closed)
    results = client.get(f"/vote/{closed.slug}/results/").content.decode()
    assert "Як розв\N{RIGHT SINGLE QUOTATION MARK}язується нічия" in results
    assert "Дорадче голосування" in results


def test_an_invitation_is_written_in_the_members_language_with_their_link() -> None:
    from members.mail.bulk import BulkItem, email_enqueue_bulk
    from members.mail.services import render
    from members.models import OutboundEmail

    rnd = a_round(title="Зимове голосування")
    olena, ann = patron(preferred_language="uk"), patron()
    email_enqueue_bulk(
        kind="vote_invitation",
        items=[BulkItem(f"vote_invitation:{rnd.pk}:{m.pk}", m.pk,
                        {"round_id": rnd.pk, "user_id": m.pk}) for m in (olena, ann)],
    )  # fmt: skip
    uk = render(OutboundEmail.objects.get(user=olena))
    en = render(OutboundEmail.objects.get(user=ann))
    assert uk.subject == "Ваш голос: Зимове голосування"
    assert "Відкрийте свій бюлетень за цим посиланням" in uk.body
    for message, member in ((uk, olena), (en, ann)):
        token = re.search(rf"/vote/{rnd.slug}/ballot/([^/\s]+)/", message.body).group(1)
        assert ballot_token_read(token, rnd=rnd) == member.pk
    assert "Open your ballot with this link" in en.body
    assert uk.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
