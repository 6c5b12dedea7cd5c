"""POST /stripe/webhook/: signature checked on the raw body, one inbox row per event id."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from billing.models import WebhookEvent
from tests.billing.signing import event_for, fixture, sign, signed

pytestmark = pytest.mark.django_db

URL = "/stripe/webhook/"


def post(client: Client, body: bytes, signature: str | None) -> object:
    headers = {"HTTP_STRIPE_SIGNATURE": signature} if signature is not None else {}
    return client.post(URL, data=body, content_type="application/json", **headers)


def test_a_signed_event_is_stored_once_and_acknowledged() -> None:
    client = Client(enforce_csrf_checks=True)  # the webhook alone is exempt from CSRF
    event = event_for("invoice.paid", fixture("invoice"))
    body, signature = signed(event)
    first = post(client, body, signature)
    assert first.status_code == 200
    assert first.json() == {"received": True, "duplicate": False}
    row = WebhookEvent.objects.get()
    assert (row.stripe_id, row.type, row.status) == (event["id"], "invoice.paid", "pending")
    assert row.stripe_created == event["created"]
    assert row.payload == event

    again = post(client, body, sign(body))
    assert again.status_code == 200
    assert again.json() == {"received": True, "duplicate": True}
    assert WebhookEvent.objects.count() == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "t=123",
        "garbage",
        "t=1700000000,v1=" + "0" * 64,
    ],
)
def test_bad_or_missing_signature_is_400_and_stores_nothing(
    client: Client, signature: str | None
) -> None:
    body, _ = signed(event_for("invoice.paid", fixture("invoice")))
    response = post(client, body, signature)
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_wrong_secret_tampered_body_and_stale_timestamp_are_refused(client: Client) -> None:
    event = event_for("invoice.paid", fixture("invoice"))
    body, good = signed(event)
    assert post(client, body, sign(body, secret="whsec_someone_else")).status_code == 400
    assert post(client, body.replace(b"invoice", b"invoicf", 1), good).status_code == 400
    stale = sign(body, timestamp=int(time.time()) - 301)
    assert post(client, body, stale).status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_signed_garbage_that_is_not_an_event_is_refused(client: Client) -> None:
    for body in (b"not json", b"[]", b'{"id": 1}', b'{"id": "evt_1", "type": "x"}'):
        assert post(client, body, sign(body)).status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_only_post(client: Client) -> None:
    assert client.get(URL).status_code == 405
