"""Pure functions: form decoding, parameter schemas, cards, billing periods, signatures."""

from __future__ import annotations

import datetime as dt

import pytest
import stripe

from fakestripe.cards import REQUIRES_ACTION, card_for, charge_outcome, luhn_ok
from fakestripe.config import parse_webhook_env, parse_webhook_spec
from fakestripe.errors import StripeError
from fakestripe.form import parse_form
from fakestripe.params import (
    EMPTY,
    Array,
    Bool,
    Hash,
    Int,
    Metadata,
    Str,
    apply_metadata,
    in_range,
)
from fakestripe.periods import add_months, period_end
from fakestripe.webhooks import sign


def test_parse_form_nesting_arrays_and_expand() -> None:
    parsed = parse_form(
        "line_items[0][price]=p1&line_items[0][quantity]=2&line_items[1][price_data][currency]=eur"
        "&metadata[a]=1&expand[]=customer&expand[]=invoice&pause_collection="
    )
    assert parsed == {
        "line_items": [
            {"price": "p1", "quantity": "2"},
            {"price_data": {"currency": "eur"}},
        ],
        "metadata": {"a": "1"},
        "expand": ["customer", "invoice"],
        "pause_collection": "",
    }
    assert parse_form("expand[0]=a&expand[1]=b") == {"expand": ["a", "b"]}
    assert parse_form("items[1][id]=b&items[0][id]=a") == {"items": [{"id": "a"}, {"id": "b"}]}


@pytest.mark.parametrize(
    "raw",
    ["a=1&a[b]=2", "a[b]=1&a=2", "a" + "[x]" * 20 + "=1"],
)
def test_parse_form_rejects_conflicts_and_deep_nesting(raw: str) -> None:
    with pytest.raises(StripeError) as error:
        parse_form(raw)
    assert error.value.status == 400


def test_schema_errors_name_the_full_param() -> None:
    schema = Hash(
        {
            "items": Array(Hash({"price": Str(), "quantity": Int(minimum=1)}, required=("price",))),
            "flag": Bool(),
        },
        required=("items",),
    )
    assert schema.clean({"items": [{"price": "p", "quantity": "3"}], "flag": "true"}, "") == {
        "items": [{"price": "p", "quantity": 3}],
        "flag": True,
    }
    cases = {
        "parameter_missing": ({}, "items"),
        "parameter_unknown": ({"items": [], "nope": "1"}, "nope"),
        "parameter_invalid_integer": (
            {"items": [{"price": "p", "quantity": "x"}]},
            "items[0][quantity]",
        ),
        "parameter_invalid_empty": ({"items": [{"price": ""}]}, "items[0][price]"),
    }
    for code, (params, param) in cases.items():
        with pytest.raises(StripeError) as error:
            schema.clean(params, "")
        assert (error.value.code, error.value.param) == (code, param)
    with pytest.raises(StripeError) as not_bool:
        schema.clean({"items": [], "flag": "maybe"}, "")
    assert not_bool.value.param == "flag"
    assert not_bool.value.code


def test_metadata_updates_and_unsets() -> None:
    field = Metadata()
    update = field.check({"keep": "1", "drop": ""}, "metadata")
    assert apply_metadata({"drop": "x", "old": "y"}, update) == {"old": "y", "keep": "1"}
    assert field.check("", "metadata") is EMPTY
    assert apply_metadata({"a": "b"}, EMPTY) == {}
    with pytest.raises(StripeError):
        field.check({"k" * 41: "v"}, "metadata")


def test_created_ranges() -> None:
    assert in_range(5, {"gte": 5, "lt": 6})
    assert not in_range(6, {"gte": 5, "lt": 6})
    assert in_range(1, None)


def test_cards() -> None:
    assert luhn_ok("4242424242424242")
    assert not luhn_ok("4242424242424241")
    visa = card_for("4242424242424242")
    assert charge_outcome(visa, off_session=True) is None
    later_fails = card_for("4000000000000341")
    assert charge_outcome(later_fails, off_session=False) is None
    assert charge_outcome(later_fails, off_session=True).code == "card_declined"
    three_ds = card_for("4000002500003155")
    assert charge_outcome(three_ds, off_session=False) == REQUIRES_ACTION
    assert charge_outcome(three_ds, off_session=False, authenticated=True) is None
    assert charge_outcome(three_ds, off_session=True) is None
    live = card_for("4111111111111111")
    assert charge_outcome(live, off_session=False).decline_code == "test_mode_live_card"


def test_months_clamp_to_the_end_of_the_month() -> None:
    jan31 = int(dt.datetime(2027, 1, 31, 12, tzinfo=dt.UTC).timestamp())
    feb = dt.datetime.fromtimestamp(period_end(jan31, "month", 1, 1), tz=dt.UTC)
    mar = dt.datetime.fromtimestamp(period_end(jan31, "month", 1, 2), tz=dt.UTC)
    assert (feb.month, feb.day) == (2, 28)
    assert (mar.month, mar.day) == (3, 31)
    year = dt.datetime.fromtimestamp(period_end(jan31, "year", 1, 1), tz=dt.UTC)
    assert (year.year, year.month, year.day) == (2028, 1, 31)
    assert add_months(jan31, 13) == period_end(jan31, "month", 13, 1)


def test_signature_matches_the_official_library() -> None:
    payload = '{"id": "evt_1", "object": "event"}'
    header = sign(payload, "whsec_abc", 1_700_000_000)
    expected = stripe.WebhookSignature.generate_signature_header(
        payload, "whsec_abc", timestamp=1_700_000_000
    )
    assert header == expected
    assert stripe.WebhookSignature.verify_header(payload, header, "whsec_abc", tolerance=None)


def test_webhook_option_parsing() -> None:
    assert parse_webhook_spec("http://h/x?a=b=whsec_1") == ("http://h/x?a=b", "whsec_1")
    assert parse_webhook_env("http://a=s1, http://b=s2") == [("http://a", "s1"), ("http://b", "s2")]
    with pytest.raises(ValueError, match="URL=SECRET"):
        parse_webhook_spec("http://no-secret")
