"""Corrections from readers: the form (anyone, rate limited, spam-checked), the editors'
queue, the decision and its one email through the real worker, and the public log."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from members.models import OutboundEmail
from support.corrections.services import CorrectionRefused, correction_resolve
from support.models import CorrectionRequest
from tests.billing.patrons import end_patronage, make_patron
from tests.members.factories import UserFactory
from tests.support.corrections import ARTICLE, TITLE, report, stamp
from tests.utils import mailbox, text_of, wait_for

NEW = "/corrections/suggest/"


def _send(client: Client, **fields: str):
    return client.post(NEW, report(**fields))


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_form_queue_decision_email_and_public_log(celery_worker: object) -> None:
    reader = Client()
    page = reader.get(NEW, {"url": ARTICLE, "title": TITLE}).content.decode()
    # The article came from the article itself: shown, not asked.
    assert f'<a href="{ARTICLE}">{TITLE}</a>'.replace("'", "&#x27;") in page
    assert 'type="hidden" name="article_url"' in page

    response = _send(reader)
    assert response.status_code == 302
    row = CorrectionRequest.objects.get()
    assert response["Location"] == f"/corrections/sent/{row.reference}/"
    assert re.fullmatch(r"CR-[A-HJ-NP-Z2-9]{8}", row.reference)
    assert (row.status, row.article_url, row.email, row.from_patron, row.user) == (
        "new", ARTICLE, "olha@example.org", False, None,
    )  # fmt: skip
    sent = reader.get(response["Location"]).content.decode()
    assert row.reference in sent
    assert "olha@example.org" in sent
    # Another browser does not get the thank-you page for someone else's reference.
    assert Client().get(response["Location"]).status_code == 302

    editor = Client()
    editor.force_login(UserFactory(roles=["editor"], display_name="Ed"))
    queue = editor.get("/staff/corrections/").content.decode()
    assert row.reference in queue
    assert "Open (1)" in queue
    assert editor.post(f"/staff/corrections/{row.pk}/review/").status_code == 302
    row.refresh_from_db()
    assert row.status == "under_review"

    # Nothing public, no email yet.
    assert TITLE not in Client().get("/corrections/").content.decode().replace("&#x27;", "'")
    assert not OutboundEmail.objects.exists()

    # A correction needs its note; the form says so and nothing changes.
    bad = editor.post(f"/staff/corrections/{row.pk}/", {"outcome": "corrected", "note": ""})
    assert bad.status_code == 400
    assert "Write the note published on the article." in bad.content.decode()
    note = "An earlier version said 40 lots. The land register lists 38."
    done = editor.post(f"/staff/corrections/{row.pk}/", {"outcome": "corrected", "note": note})
    assert done.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.published_note) == ("corrected", note)
    assert row.resolved_by.display_name == "Ed"

    # One email, sent by the worker through the ledger.
    wait_for(lambda: OutboundEmail.objects.filter(status="sent").exists(), timeout=30)
    (message,) = mailbox()
    assert message["To"] == "olha@example.org"
    assert message["Subject"] == f"Your report {row.reference}: we corrected the article"
    body = text_of(message)
    assert note in body
    assert ARTICLE in body
    assert row.reference in body

    # A second decision is refused: the reader hears once.
    with pytest.raises(CorrectionRefused):
        correction_resolve(correction_id=row.pk, editor=row.resolved_by, outcome="declined",
                           reason="Changed our mind")  # fmt: skip
    assert OutboundEmail.objects.count() == 1

    log = Client().get("/corrections/").content.decode()
    assert note in log
    assert ARTICLE in log
    assert row.resolved_at.strftime("%-d %B %Y") in log
    assert "olha" not in log.lower()  # never the reader
    only = Client().get("/corrections/", {"article": ARTICLE}).content.decode()
    assert note in only


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_declined_is_not_published_and_the_reader_hears_why_in_their_language(
    celery_worker: object,
) -> None:
    reader = Client()
    reader.cookies["django_language"] = "uk"
    assert _send(reader).status_code == 302
    row = CorrectionRequest.objects.get()
    assert row.language == "uk"
    editor = UserFactory(roles=["editor"])
    correction_resolve(
        correction_id=row.pk, editor=editor, outcome="declined",
        reason="The register lists 40 lots in November.",
    )  # fmt: skip
    wait_for(lambda: OutboundEmail.objects.filter(status="sent").exists(), timeout=30)
    (message,) = mailbox()
    # (Python's email folding starts a long encoded header on its own line: strip it.)
    assert (
        message["Subject"].strip()
        == f"Ваше повідомлення {row.reference}: ми залишаємо статтю без змін"
    )
    assert "The register lists 40 lots in November." in text_of(message)
    assert row.reference not in Client().get("/corrections/").content.decode()


@pytest.mark.django_db
def test_no_address_no_email_and_clarified_is_published() -> None:
    assert _send(Client(), email="").status_code == 302
    row = CorrectionRequest.objects.get()
    correction_resolve(correction_id=row.pk, editor=UserFactory(), outcome="clarified",
                       note="We added how the lots were counted.")  # fmt: skip
    assert not OutboundEmail.objects.exists()
    assert "We added how the lots were counted." in Client().get("/corrections/").content.decode()


@pytest.mark.django_db
def test_patrons_reports_are_marked_as_such() -> None:
    patron, lapsed, reader = UserFactory(), UserFactory(), UserFactory()
    make_patron(patron)
    end_patronage(make_patron(lapsed))
    for member in (patron, lapsed, reader):
        client = Client()
        client.force_login(member)
        # A signed-in reader finds their address already in the form.
        assert member.email in client.get(NEW).content.decode()
        assert _send(client, email=member.email).status_code == 302
    marked = dict(CorrectionRequest.objects.values_list("email", "from_patron"))
    assert marked == {patron.email: True, lapsed.email: False, reader.email: False}
    editor = Client()
    editor.force_login(UserFactory(roles=["editor"]))
    queue = editor.get("/staff/corrections/").content.decode()
    assert queue.count('<span class="badge badge--patron">Patron</span>') == 1
    # Typing a patron's address while signed out proves nothing.
    assert _send(Client(), email=patron.email).status_code == 302
    assert CorrectionRequest.objects.filter(from_patron=True).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"website": "http://spam.example"}, "Leave the field"),
        ({"shown": "now"}, "quicker than anyone can read"),
        ({"shown": "1700000000:forged"}, "open for a long time"),
        ({"shown": stamp(seconds_ago=2 * 86400)}, "open for a long time"),
        ({"evidence": "http://a.example http://b.example www.c.example https://d.example"},
         "at most 3 links"),
        ({"article_url": "https://elsewhere.example.org/story"}, "one of our articles"),
        ({"article_url": "javascript:alert(1)"}, "one of our articles"),
        ({"problem": ""}, "This field is required."),
    ],
)  # fmt: skip
def test_spam_and_bad_input_get_a_clear_error_and_keep_the_text(
    fields: dict[str, str], message: str
) -> None:
    if fields.get("shown") == "now":  # made now, not when the tests were collected
        fields = {**fields, "shown": stamp(seconds_ago=0)}
    response = _send(Client(), **fields)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'class="error-summary"' in page
    if fields.get("problem", "x"):
        assert "the land register lists 38." in page  # nothing the reader wrote is lost
    assert not CorrectionRequest.objects.exists()


@pytest.mark.django_db
def test_too_many_reports_from_one_address_get_a_429_and_keep_the_text(settings: object) -> None:
    settings.CORRECTIONS_RATE_LIMITS = "2/10m/ip"  # type: ignore[attr-defined]
    client = Client()
    assert [_send(client).status_code for _ in range(2)] == [302, 302]
    third = _send(client, problem="A third report.")
    assert third.status_code == 429
    assert int(third["Retry-After"]) > 500
    page = third.content.decode()
    assert "Please send it again in 10 minutes." in page
    assert "A third report." in page
    assert CorrectionRequest.objects.count() == 2
    # Refused reports (bad input) are not counted: another address still gets through.
    assert Client(REMOTE_ADDR="10.9.8.7").post(NEW, report()).status_code == 302


@pytest.mark.django_db
def test_staff_queue_needs_the_editor_role() -> None:
    assert _send(Client()).status_code == 302
    row = CorrectionRequest.objects.get()
    anonymous = Client().get("/staff/corrections/")
    assert anonymous.status_code == 302
    assert reverse("account_login") in anonymous["Location"]
    reader = Client()
    reader.force_login(UserFactory())
    assert reader.get("/staff/corrections/").status_code == 403
    staff = Client()
    staff.force_login(UserFactory(roles=["staff"]))
    assert staff.get(f"/staff/corrections/{row.pk}/").status_code == 200  # may look
    refused = staff.post(f"/staff/corrections/{row.pk}/", {"outcome": "declined", "reason": "x"})
    assert refused.status_code == 403
    row.refresh_from_db()
    assert row.status == "new"
