"""The members API through a real HTTP client (requests) against the live test server: the
token hand-over after sign-in, valid, expired, revoked and forged tokens, CORS for the CMS
only, and answers that match the OpenAPI document, itself checked against the specification."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import requests
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate as validate_spec

from members.api.tokens import api_token_issue
from members.models import ApiToken, User
from tests.billing.factories import TierFactory
from tests.billing.patrons import end_patronage, make_patron
from tests.members.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CMS = "https://news.example.org"
ARTICLE = CMS + "/2026/11/warehouses"


def _connect(client: Client, *, state: str = "s-42") -> str:
    """The reader confirms on /api/connect/ and comes back to the article with a token."""
    query = {"return_to": ARTICLE + "#top", "state": state}
    page = client.get("/api/connect/", query)
    assert page.status_code == 200
    assert "https://news.example.org will know that you are signed in here" in page.content.decode()
    back = client.post("/api/connect/", {"return_to": ARTICLE, "state": state})
    assert back.status_code == 303
    location = urlsplit(back["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == ARTICLE
    fragment = parse_qs(location.fragment)
    assert fragment["state"] == [state]
    assert int(fragment["expires_in"][0]) == 30 * 86400
    return fragment["patronage_token"][0]


def _me(base: str, token: str | None, **headers: str) -> requests.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(f"{base}/api/v1/me", headers=headers, timeout=10)


def _schema(doc: dict, name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}


def test_a_patron_and_a_reader_as_the_cms_sees_them(live_server: object) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    doc = requests.get(f"{base}/api/v1/openapi.json", timeout=10).json()
    validate_spec(doc)  # a valid OpenAPI 3.1 document
    assert set(doc["components"]["schemas"]) >= {"Me", "Member", "Patron", "Error"}

    insider = TierFactory(name="Insider", slug="insider", position=1)
    patron = UserFactory(preferred_language="uk")
    make_patron(patron, tier=insider, days=12)
    client = Client()
    client.force_login(patron)
    answer = _me(base, _connect(client))
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    jsonschema.validate(body, _schema(doc, "Me"))
    assert body["member"] == {"id": patron.pk, "language": "uk"}
    assert body["patron"]["entitled"] is True
    assert body["patron"]["tier"] == {"slug": "insider", "name": "Insider"}
    assert (
        timezone.now() - timedelta(days=12, minutes=1)
        < (timezone.datetime.fromisoformat(body["patron"]["since"]))
        < timezone.now() - timedelta(days=11)
    )

    lapsed = UserFactory()
    end_patronage(make_patron(lapsed))
    client = Client()
    client.force_login(lapsed)
    body = _me(base, _connect(client)).json()
    jsonschema.validate(body, _schema(doc, "Me"))
    assert body["patron"] == {"entitled": False, "since": None, "tier": None, "tiers": []}
    token = ApiToken.objects.get(user=lapsed)
    assert token.last_used_at is not None
    assert token.secret_hash not in str(body)


def test_expired_revoked_and_forged_tokens_are_refused(live_server: object) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    doc = requests.get(f"{base}/api/v1/openapi.json", timeout=10).json()
    member = UserFactory()
    client = Client()
    client.force_login(member)

    def refused(token: str | None, why: str) -> None:
        answer = _me(base, token)
        assert answer.status_code == 401, answer.text
        jsonschema.validate(answer.json(), _schema(doc, "Error"))
        assert answer.json()["error_description"] == why
        assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="members"')

    refused(None, "Send the reader's token as a Bearer token.")
    assert "error=" not in _me(base, None).headers["WWW-Authenticate"]  # RFC 6750 3.1
    # Forged: made up, a real key id with another secret, tampered, not ours at all.
    good = _connect(client)
    assert _me(base, good).status_code == 200
    key_id, secret = good[len("pat_") :].split(".")
    refused("pat_" + "A" * 16 + "." + secret, "The token is not one we issued.")
    refused(f"pat_{key_id}.{'x' * len(secret)}", "The token is not one we issued.")
    refused(good[:-1] + ("a" if good[-1] != "a" else "b"), "The token is not one we issued.")
    refused("eyJhbGciOiJub25lIn0.eyJzdWIiOjF9.", "The token is malformed.")
    assert _me(base, good).status_code == 200  # a forgery does not harm the real one

    # Expired.
    ApiToken.objects.filter(key_id=key_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused(good, "The token expired.")

    # Revoked by the member on "Connected sites": that one, or every one.
    first, second = _connect(client), _connect(client)
    page = client.get("/account/connections/").content.decode()
    assert page.count("https://news.example.org</td>") == 2
    first_row = ApiToken.objects.get(key_id=first[4:].split(".")[0])
    client.post("/account/connections/revoke/", {"token": first_row.pk})
    refused(first, "The token was revoked.")
    assert _me(base, second).status_code == 200
    # Another member cannot revoke it.
    other = Client()
    other.force_login(UserFactory())
    second_row = ApiToken.objects.get(key_id=second[4:].split(".")[0])
    other.post("/account/connections/revoke/", {"token": second_row.pk})
    assert _me(base, second).status_code == 200
    client.post("/account/connections/revoke/", {"all": "1"})
    refused(second, "The token was revoked.")


def test_logging_out_and_changing_the_password_revoke_tokens(live_server: object) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    member = UserFactory()
    laptop, phone = Client(), Client()
    assert laptop.login(email=member.email, password=PASSWORD)
    phone.force_login(member)
    from_laptop, from_phone = _connect(laptop), _connect(phone)
    laptop.post("/accounts/logout/")
    assert _me(base, from_laptop).status_code == 401
    assert _me(base, from_phone).status_code == 200  # another browser, still signed in
    issued = api_token_issue(user=member, origin=CMS).raw
    assert _me(base, issued).status_code == 200
    member = User.objects.get(pk=member.pk)
    member.set_password("a-brand-new-passphrase-2026")
    member.save()
    for token in (from_phone, issued):
        answer = _me(base, token)
        assert answer.status_code == 401
        assert answer.json()["error_description"] == "The token was revoked."
    assert ApiToken.objects.filter(revoked_reason="password_changed").count() == 2


def test_cors_for_the_cms_origin_only(live_server: object) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    token = api_token_issue(user=UserFactory(), origin=CMS).raw
    preflight = requests.options(
        f"{base}/api/v1/me",
        headers={
            "Origin": CMS,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
        timeout=10,
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == CMS
    assert preflight.headers["Access-Control-Allow-Headers"] == "Authorization"
    answer = _me(base, token, Origin=CMS)
    assert answer.headers["Access-Control-Allow-Origin"] == CMS
    assert "Origin" in answer.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in answer.headers  # no cookies, ever
    refused = _me(base, "pat_x.y", Origin=CMS)
    assert refused.headers["Access-Control-Allow-Origin"] == CMS  # the CMS can read why
    for stranger in ("https://evil.example", "https://news.example.org.evil.example", "null"):
        assert "Access-Control-Allow-Origin" not in _me(base, token, Origin=stranger).headers
        pre = requests.options(
            f"{base}/api/v1/me",
            headers={"Origin": stranger, "Access-Control-Request-Method": "GET"},
            timeout=10,
        )
        assert pre.status_code == 403
        assert "Access-Control-Allow-Origin" not in pre.headers


def test_the_hand_over_goes_back_to_the_cms_only() -> None:
    client = Client()
    anonymous = client.get("/api/connect/", {"return_to": ARTICLE})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    client.force_login(UserFactory())
    for target in ("https://evil.example/steal", "javascript:alert(1)", "", "//evil.example/"):
        assert client.get("/api/connect/", {"return_to": target}).status_code == 400
        assert client.post("/api/connect/", {"return_to": target}).status_code == 400
    assert not ApiToken.objects.exists()
    # The hand-over is a form: a cross-site POST without the CSRF token issues nothing.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory())
    assert strict.post("/api/connect/", {"return_to": ARTICLE}).status_code == 403
    assert not ApiToken.objects.exists()
