"""Coupons, promotion codes and the discounts they make: 100 % off for a set number of months,
once, forever, amount off, on invoices and prorations, and in Checkout."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import (
    DAY,
    make_price,
    period_end,
    settle,
    subscribe,
    subscription_session,
)
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe


def _customer(client: stripe.StripeClient) -> str:
    return client.v1.customers.create(
        params={"email": "d@example.com", "payment_method": "pm_card_visa",
                "invoice_settings": {"default_payment_method": "pm_card_visa"}}
    ).id  # fmt: skip


def _invoices(client: stripe.StripeClient, sub_id: str) -> list[Any]:
    return list(reversed(client.v1.invoices.list(params={"subscription": sub_id}).data))


def test_a_hundred_percent_off_for_three_months(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=1000)
    coupon = client.v1.coupons.create(
        params={"percent_off": 100, "duration": "repeating", "duration_in_months": 3,
                "name": "Three months free"}
    )  # fmt: skip
    assert (coupon.duration, coupon.duration_in_months, coupon.valid) == ("repeating", 3, True)
    sub = client.v1.subscriptions.create(
        params={
            "customer": _customer(client),
            "items": [{"price": price.id}],
            "discounts": [{"coupon": coupon.id}],
            "expand": ["latest_invoice", "discounts"],
        }
    )
    assert sub.status == "active"
    discount = sub.discounts[0]
    assert discount.source.coupon == coupon.id
    assert discount.subscription == sub.id
    assert discount.end is not None
    assert discount.end > discount.start + 88 * DAY
    first = sub.latest_invoice
    assert (first.subtotal, first.total, first.amount_paid) == (1000, 0, 0)
    assert first.total_discount_amounts[0].amount == 1000
    assert first.lines.data[0].discount_amounts[0].discount == discount.id
    assert client.v1.coupons.retrieve(coupon.id).times_redeemed == 1
    for _ in range(3):
        control.advance(to=period_end(client.v1.subscriptions.retrieve(sub.id)) + 60)
    totals = [i.total for i in _invoices(client, sub.id)]
    assert totals == [0, 0, 0, 1000]
    after = client.v1.subscriptions.retrieve(sub.id)
    assert after.discounts == []
    types = settle(control, receiver)
    assert types.count("customer.discount.created") == 1
    assert types.count("customer.discount.deleted") == 1
    assert "coupon.created" in types


def test_once_is_used_up_by_the_first_invoice_and_forever_stays(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    price = make_price(client, amount=2000)
    once = client.v1.coupons.create(params={"percent_off": 50})
    forever = client.v1.coupons.create(
        params={"amount_off": 300, "currency": "eur", "duration": "forever"}
    )
    sub = client.v1.subscriptions.create(
        params={
            "customer": _customer(client),
            "items": [{"price": price.id}],
            "discounts": [{"coupon": once.id}, {"coupon": forever.id}],
        }
    )
    # The first invoice used the once coupon up: only the forever one is left.
    assert len(sub.discounts) == 1
    control.advance(to=period_end(sub) + 60)
    first, second = _invoices(client, sub.id)
    # 50 % of 2000, then 300 off what is left.
    assert [d.amount for d in first.total_discount_amounts] == [1000, 300]
    assert (first.total, second.total) == (700, 1700)
    with pytest.raises(stripe.InvalidRequestError) as wrong_currency:
        client.v1.subscriptions.create(
            params={
                "customer": _customer(client),
                "items": [{"price": make_price(client, currency="usd").id}],
                "discounts": [{"coupon": forever.id}],
            }
        )
    assert wrong_currency.value.param == "discounts[0][coupon]"


def test_discounts_on_update_and_removal(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=1000)
    sub = subscribe(client, control, price)
    coupon = client.v1.coupons.create(params={"percent_off": 20, "duration": "forever"})
    updated = client.v1.subscriptions.update(sub.id, params={"discounts": [{"coupon": coupon.id}]})
    kept = updated.discounts[0]
    again = client.v1.subscriptions.update(sub.id, params={"discounts": [{"discount": kept}]})
    assert again.discounts == [kept]
    preview = client.v1.invoices.create_preview(params={"subscription": sub.id})
    assert (preview.subtotal, preview.total) == (1000, 800)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.update(
            sub.id, params={"discounts": [{"coupon": coupon.id}, {"discount": kept}]}
        )
    deleted = client.v1.subscriptions.delete_discount(sub.id)
    assert deleted.deleted is True
    assert client.v1.subscriptions.retrieve(sub.id).discounts == []
    with pytest.raises(stripe.InvalidRequestError) as none_left:
        client.v1.subscriptions.delete_discount(sub.id)
    assert none_left.value.http_status == 404
    client.v1.subscriptions.update(sub.id, params={"discounts": [{"coupon": coupon.id}]})
    cleared = client.v1.subscriptions.update(sub.id, params={"discounts": ""})
    assert cleared.discounts == []
    types = settle(control, receiver)
    assert types.count("customer.discount.created") == 2
    assert types.count("customer.discount.deleted") == 2


def test_prorations_carry_the_discount(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    cheap, dear = make_price(client, amount=1000), make_price(client, amount=3000)
    coupon = client.v1.coupons.create(params={"percent_off": 50, "duration": "forever"})
    sub = client.v1.subscriptions.create(
        params={
            "customer": _customer(client),
            "items": [{"price": cheap.id}],
            "discounts": [{"coupon": coupon.id}],
        }
    )
    control.advance(days=15)
    start, end = sub["items"]["data"][0].current_period_start, period_end(sub)
    item = sub["items"]["data"][0].id
    now = control.now()
    preview = client.v1.invoices.create_preview(
        params={
            "subscription": sub.id,
            "subscription_details": {
                "items": [{"id": item, "price": dear.id}],
                "proration_behavior": "always_invoice",
                "proration_date": now,
            },
        }
    )
    left = (end - now) / (end - start)
    credit, charge = sorted(line.amount for line in preview.lines.data)
    # What was paid for the unused time comes back; the new price is charged at half.
    assert credit == -round(500 * left)
    assert charge == round(1500 * left)
    assert all(line.discount_amounts == [] for line in preview.lines.data)


def test_coupon_and_promotion_code_lifecycle(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    coupon = client.v1.coupons.create(
        params={"id": "SPRING", "percent_off": 10.5, "max_redemptions": 1}
    )
    assert coupon.percent_off == 10.5
    with pytest.raises(stripe.InvalidRequestError) as taken:
        client.v1.coupons.create(params={"id": "SPRING", "percent_off": 5})
    assert taken.value.code == "resource_already_exists"
    renamed = client.v1.coupons.update("SPRING", params={"name": "Spring", "metadata": {"k": "v"}})
    assert renamed.name == "Spring"
    promo = client.v1.promotion_codes.create(
        params={"promotion": {"type": "coupon", "coupon": "SPRING"}, "code": "HELLO",
                "restrictions": {"first_time_transaction": True}}
    )  # fmt: skip
    assert (promo.code, promo.active, promo.promotion.coupon) == ("HELLO", True, "SPRING")
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.promotion_codes.create(
            params={"promotion": {"type": "coupon", "coupon": "SPRING"}, "code": "hello"}
        )
    found = client.v1.promotion_codes.list(params={"code": "hello"})
    assert [p.id for p in found.data] == [promo.id]
    price = make_price(client, amount=1000)
    paid_before = subscribe(client, control, price)
    with pytest.raises(stripe.InvalidRequestError, match="first purchase"):
        client.v1.subscriptions.update(
            paid_before.id, params={"discounts": [{"promotion_code": promo.id}]}
        )
    sub = client.v1.subscriptions.create(
        params={"customer": _customer(client), "items": [{"price": price.id}],
                "discounts": [{"promotion_code": promo.id}], "expand": ["latest_invoice"]}
    )  # fmt: skip
    assert sub.latest_invoice.total == 895
    assert client.v1.promotion_codes.retrieve(promo.id).times_redeemed == 1
    assert client.v1.coupons.retrieve("SPRING").valid is False  # max_redemptions reached
    with pytest.raises(stripe.InvalidRequestError) as expired:
        client.v1.subscriptions.create(
            params={"customer": _customer(client), "items": [{"price": price.id}],
                    "discounts": [{"coupon": "SPRING"}]}
        )  # fmt: skip
    assert expired.value.code == "coupon_expired"
    off = client.v1.promotion_codes.update(promo.id, params={"active": False})
    assert off.active is False
    assert client.v1.coupons.delete("SPRING").deleted is True
    # The discount made from it stays.
    control.advance(to=period_end(sub) + 60)
    assert _invoices(client, sub.id)[-1].total == 1000  # a `once` coupon
    types = settle(control, receiver)
    assert {"coupon.updated", "coupon.deleted", "promotion_code.created",
            "promotion_code.updated"} <= set(types)  # fmt: skip


def test_unimplemented_coupon_options_are_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError, match="does not implement"):
        client.v1.coupons.create(params={"percent_off": 10, "applies_to": {"products": ["prod_x"]}})
    with pytest.raises(stripe.InvalidRequestError) as both:
        client.v1.coupons.create(params={"percent_off": 10, "amount_off": 5, "currency": "eur"})
    assert both.value.param == "percent_off"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.coupons.create(params={"percent_off": 10, "duration": "repeating"})


def test_checkout_with_a_coupon_discounts_today_and_the_subscription(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=1200)
    coupon = client.v1.coupons.create(
        params={"percent_off": 100, "duration": "repeating", "duration_in_months": 2}
    )
    session = subscription_session(client, price, discounts=[{"coupon": coupon.id}])
    assert (session.amount_subtotal, session.amount_total) == (1200, 0)
    assert session.total_details.amount_discount == 1200
    assert session.discounts[0].coupon == coupon.id
    control.pay_checkout_session(session.id)
    done = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["subscription.latest_invoice", "line_items"]}
    )
    assert done.line_items.data[0].amount_discount == 1200
    sub = done.subscription
    assert sub.status == "active"
    assert len(sub.discounts) == 1
    assert (sub.latest_invoice.total, sub.latest_invoice.status) == (0, "paid")
    control.advance(to=period_end(sub) + 60)
    control.advance(to=period_end(client.v1.subscriptions.retrieve(sub.id)) + 60)
    assert [i.total for i in _invoices(client, sub.id)] == [0, 0, 1200]
    assert "customer.discount.created" in settle(control, receiver)


def test_checkout_promotion_codes_entered_by_the_customer(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    price = make_price(client, amount=1000)
    coupon = client.v1.coupons.create(params={"amount_off": 250, "currency": "eur"})
    promo = client.v1.promotion_codes.create(
        params={"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "FRIEND",
                "restrictions": {"minimum_amount": 500, "minimum_amount_currency": "eur"}}
    )  # fmt: skip
    with pytest.raises(stripe.InvalidRequestError) as both:
        subscription_session(
            client, price, allow_promotion_codes=True, discounts=[{"coupon": coupon.id}]
        )
    assert both.value.code == "parameters_exclusive"
    session = subscription_session(client, price, allow_promotion_codes=True)
    assert session.allow_promotion_codes is True
    browser = requests.Session()
    wrong = browser.post(f"{session.url}/promotion_code", data={"code": "NOPE"}, timeout=5)
    assert wrong.status_code == 422
    assert "This code is invalid." in wrong.text
    applied = browser.post(f"{session.url}/promotion_code", data={"code": "friend"}, timeout=5)
    assert applied.status_code == 200  # redirected back to the page
    assert 'id="discount-line"' in applied.text
    assert "FRIEND" in applied.text
    fetched = client.v1.checkout.sessions.retrieve(session.id)
    assert fetched.amount_total == 750
    assert fetched.discounts[0].promotion_code == promo.id
    control.pay_checkout_session(session.id)
    sub = client.v1.subscriptions.retrieve(
        client.v1.checkout.sessions.retrieve(session.id).subscription,
        params={"expand": ["latest_invoice.payments"]},
    )
    invoice = sub.latest_invoice
    assert (invoice.total, invoice.amount_paid) == (750, 750)
    pi = client.v1.payment_intents.retrieve(invoice.payments.data[0].payment.payment_intent)
    assert pi.amount == 750
    assert client.v1.promotion_codes.retrieve(promo.id).times_redeemed == 1
    # The control API enters a code the same way.
    other = subscription_session(client, price, allow_promotion_codes=True)
    control.pay_checkout_session(other.id, promotion_code="FRIEND")
    assert client.v1.checkout.sessions.retrieve(other.id).amount_total == 750


def test_checkout_payment_mode_with_a_coupon(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    coupon = client.v1.coupons.create(params={"percent_off": 25})
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [{"price": make_price(client, amount=2000, interval=None).id,
                            "quantity": 1}],
            "discounts": [{"coupon": coupon.id}],
            "customer_email": "gift@example.com",
            "success_url": "https://site.test/ok",
        }
    )  # fmt: skip
    assert session.amount_total == 1500
    control.pay_checkout_session(session.id)
    paid = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert paid.payment_intent.amount == 1500
    assert client.v1.coupons.retrieve(coupon.id).times_redeemed == 1
    free = client.v1.coupons.create(params={"percent_off": 100})
    with pytest.raises(stripe.InvalidRequestError, match="does not implement"):
        client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [{"price": make_price(client, amount=2000, interval=None).id,
                                "quantity": 1}],
                "discounts": [{"coupon": free.id}],
                "success_url": "https://site.test/ok",
            }
        )  # fmt: skip
