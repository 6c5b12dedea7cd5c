"""The API subset through the official library: resources, errors, idempotency, lists, expand."""

from __future__ import annotations

import pytest
import requests
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import make_price, settle, subscribe
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe


def test_products_and_prices_round_trip(client: stripe.StripeClient) -> None:
    product = client.v1.products.create(
        params={"name": "Patron", "description": "Monthly support", "metadata": {"tier": "patron"}}
    )
    assert product.id.startswith("prod_")
    assert product.active is True
    assert product.metadata["tier"] == "patron"

    monthly = client.v1.prices.create(
        params={
            "product": product.id,
            "unit_amount": 700,
            "currency": "eur",
            "recurring": {"interval": "month"},
            "lookup_key": "patron_monthly_eur",
        }
    )
    yearly = client.v1.prices.create(
        params={
            "product": product.id,
            "unit_amount": 7000,
            "currency": "usd",
            "recurring": {"interval": "year"},
        }
    )
    once = client.v1.prices.create(
        params={"product_data": {"name": "One-off"}, "unit_amount": 1500, "currency": "gbp"}
    )
    assert (monthly.type, monthly.recurring.interval, monthly.unit_amount) == (
        "recurring",
        "month",
        700,
    )
    assert yearly.currency == "usd"
    assert yearly.recurring.interval == "year"
    assert once.type == "one_time"
    assert once.recurring is None
    assert client.v1.products.retrieve(once.product).name == "One-off"

    archived = client.v1.prices.update(monthly.id, params={"active": False})
    assert archived.active is False
    active = client.v1.prices.list(params={"product": product.id, "active": True})
    assert [p.id for p in active.data] == [yearly.id]
    by_key = client.v1.prices.list(params={"lookup_keys": ["patron_monthly_eur"]})
    assert [p.id for p in by_key.data] == [monthly.id]

    renamed = client.v1.products.update(
        product.id, params={"name": "Patron+", "metadata": {"tier": "", "new": "1"}}
    )
    assert renamed.name == "Patron+"
    assert renamed.metadata.to_dict() == {"new": "1"}


def test_product_default_price_data_and_delete_rules(client: stripe.StripeClient) -> None:
    product = client.v1.products.create(
        params={
            "name": "Bundle",
            "default_price_data": {"currency": "eur", "unit_amount": 900},
        }
    )
    price = client.v1.prices.retrieve(product.default_price)
    assert price.unit_amount == 900
    assert price.product == product.id
    with pytest.raises(stripe.InvalidRequestError, match="user-created prices"):
        client.v1.products.delete(product.id)
    empty = client.v1.products.create(params={"name": "Empty"})
    deleted = client.v1.products.delete(empty.id)
    assert deleted.deleted is True


def test_lookup_keys_are_unique_unless_transferred(client: stripe.StripeClient) -> None:
    first = make_price(client, lookup_key="gold")
    with pytest.raises(stripe.InvalidRequestError) as error:
        make_price(client, lookup_key="gold")
    assert error.value.code == "resource_already_exists"
    second = make_price(client, lookup_key="gold", transfer_lookup_key=True)
    assert client.v1.prices.retrieve(first.id).lookup_key is None
    assert second.lookup_key == "gold"


def test_customers(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(
        params={"email": "ada@example.com", "name": "Ada", "metadata": {"user_id": "42"}}
    )
    assert customer.id.startswith("cus_")
    assert customer.email == "ada@example.com"
    client.v1.customers.create(params={"email": "bob@example.com"})
    found = client.v1.customers.list(params={"email": "ada@example.com"})
    assert [c.id for c in found.data] == [customer.id]
    updated = client.v1.customers.update(customer.id, params={"name": "Ada L.", "phone": ""})
    assert updated.name == "Ada L."
    assert updated.phone is None
    with_card = client.v1.customers.create(
        params={
            "email": "card@example.com",
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    )
    pm_id = with_card.invoice_settings.default_payment_method
    pm = client.v1.payment_methods.retrieve(pm_id)
    assert pm.customer == with_card.id
    assert pm.card.last4 == "4242"
    assert client.v1.customers.delete(customer.id).deleted is True
    assert client.v1.customers.retrieve(customer.id).deleted is True


def test_authentication_errors(server: str, control: FakeStripeControl) -> None:
    missing = requests.get(f"{server}/v1/customers", timeout=5)
    assert missing.status_code == 401
    assert missing.json()["error"]["type"] == "invalid_request_error"
    assert "API key" in missing.json()["error"]["message"]
    bad = stripe.StripeClient("pk_test_nope", base_addresses={"api": server})
    with pytest.raises(stripe.AuthenticationError):
        bad.v1.customers.list()
    basic = requests.get(f"{server}/v1/customers", auth=("sk_test_basic", ""), timeout=5)
    assert basic.status_code == 200


def test_error_shapes(client: stripe.StripeClient, server: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.retrieve("cus_doesnotexist")
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"
    assert missing.value.error.param == "id"
    assert missing.value.error.doc_url.endswith("/resource-missing")

    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.products.create(params={"name": "X", "colour": "red"})
    assert unknown.value.code == "parameter_unknown"
    assert unknown.value.param == "colour"
    assert "Received unknown parameter: colour" in str(unknown.value)

    with pytest.raises(stripe.InvalidRequestError) as nested:
        client.v1.prices.create(
            params={"currency": "eur", "unit_amount": 1, "product_data": {"name": "a", "x": 1}}
        )
    assert nested.value.param == "product_data[x]"

    with pytest.raises(stripe.InvalidRequestError) as required:
        client.v1.products.create(params={"description": "no name"})
    assert (required.value.code, required.value.param) == ("parameter_missing", "name")

    with pytest.raises(stripe.InvalidRequestError) as wrong_type:
        client.v1.prices.create(params={"currency": "eur", "unit_amount": "ten", "product": "p"})
    assert (wrong_type.value.code, wrong_type.value.param) == (
        "parameter_invalid_integer",
        "unit_amount",
    )

    with pytest.raises(stripe.InvalidRequestError) as bad_ref:
        client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [{"price": "price_missing", "quantity": 1}],
                "success_url": "https://site.test/ok",
            }
        )
    assert bad_ref.value.http_status == 400
    assert bad_ref.value.param == "line_items[0][price]"

    raw = requests.get(f"{server}/v1/nothing-here", auth=("sk_test_x", ""), timeout=5)
    assert raw.status_code == 404
    assert "Unrecognized request URL" in raw.json()["error"]["message"]


def test_idempotency_replay_and_conflict(client: stripe.StripeClient, server: str) -> None:
    options = {"idempotency_key": "create-ada-1"}
    first = client.v1.customers.create(params={"email": "ada@example.com"}, options=options)
    again = client.v1.customers.create(params={"email": "ada@example.com"}, options=options)
    assert again.id == first.id
    assert len(client.v1.customers.list().data) == 1
    with pytest.raises(stripe.IdempotencyError) as conflict:
        client.v1.customers.create(params={"email": "other@example.com"}, options=options)
    assert conflict.value.http_status == 400
    assert conflict.value.error.type == "idempotency_error"

    # Keys are scoped to the API key.
    other = stripe.StripeClient("sk_test_other_account", base_addresses={"api": server})
    separate = other.v1.customers.create(params={"email": "x@example.com"}, options=options)
    assert separate.id != first.id

    raw = requests.post(
        f"{server}/v1/customers",
        data={"email": "ada@example.com"},
        headers={"Idempotency-Key": "create-ada-1"},
        auth=("sk_test_fakestripe_suite", ""),
        timeout=5,
    )
    assert raw.headers["Idempotent-Replayed"] == "true"
    assert raw.json()["id"] == first.id


def test_validation_failures_are_not_stored_for_idempotency(client: stripe.StripeClient) -> None:
    options = {"idempotency_key": "retry-after-fix"}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.products.create(params={"nam": "typo"}, options=options)
    fixed = client.v1.products.create(params={"name": "fixed"}, options=options)
    assert fixed.name == "fixed"


def test_pagination(client: stripe.StripeClient) -> None:
    created = [client.v1.customers.create(params={"email": f"c{i}@example.com"}) for i in range(7)]
    newest_first = [c.id for c in reversed(created)]
    page = client.v1.customers.list(params={"limit": 3})
    assert [c.id for c in page.data] == newest_first[:3]
    assert page.has_more is True
    assert page.url == "/v1/customers"
    page2 = client.v1.customers.list(params={"limit": 3, "starting_after": page.data[-1].id})
    assert [c.id for c in page2.data] == newest_first[3:6]
    page3 = client.v1.customers.list(params={"limit": 3, "starting_after": page2.data[-1].id})
    assert [c.id for c in page3.data] == newest_first[6:]
    assert page3.has_more is False
    back = client.v1.customers.list(params={"limit": 2, "ending_before": page2.data[0].id})
    assert [c.id for c in back.data] == newest_first[1:3]
    assert back.has_more is True
    assert [c.id for c in page.auto_paging_iter()] == newest_first
    with pytest.raises(stripe.InvalidRequestError) as too_many:
        client.v1.customers.list(params={"limit": 101})
    assert too_many.value.param == "limit"


def test_expand(client: stripe.StripeClient, control: FakeStripeControl) -> None:
    price = make_price(client)
    sub = subscribe(client, control, price)
    expanded = client.v1.subscriptions.retrieve(
        sub.id, params={"expand": ["latest_invoice.payments", "customer", "default_payment_method"]}
    )
    assert expanded.customer.object == "customer"
    assert expanded.default_payment_method.card.last4 == "4242"
    invoice = expanded.latest_invoice
    assert invoice.object == "invoice"
    assert invoice.status == "paid"
    payment = invoice.payments.data[0]
    assert payment.object == "invoice_payment"
    assert payment.status == "paid"
    pi = client.v1.payment_intents.retrieve(
        payment.payment.payment_intent, params={"expand": ["latest_charge.balance_transaction"]}
    )
    txn = pi.latest_charge.balance_transaction
    assert txn.object == "balance_transaction"
    assert txn.fee == round(500 * 0.015) + 25
    assert txn.net == 500 - txn.fee
    through_parent = client.v1.invoices.retrieve(
        invoice.id, params={"expand": ["parent.subscription_details.subscription"]}
    )
    assert through_parent.parent.subscription_details.subscription.id == sub.id
    listed = client.v1.subscriptions.list(params={"expand": ["data.customer"]})
    assert listed.data[0].customer.id == expanded.customer.id
    with pytest.raises(stripe.InvalidRequestError, match="cannot be expanded"):
        client.v1.subscriptions.retrieve(sub.id, params={"expand": ["currency"]})


def test_refunds_partial_then_full(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=1000, interval=None)
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://site.test/ok",
            "customer_creation": "always",
            "customer_email": "giver@example.com",
        }
    )
    control.pay_checkout_session(session.id)
    pi_id = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    charge_id = client.v1.payment_intents.retrieve(pi_id).latest_charge

    partial = client.v1.refunds.create(params={"charge": charge_id, "amount": 300})
    assert (partial.amount, partial.status, partial.payment_intent) == (300, "succeeded", pi_id)
    charge = client.v1.charges.retrieve(charge_id, params={"expand": ["refunds"]})
    assert (charge.amount_refunded, charge.refunded) == (300, False)
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create(params={"charge": charge_id, "amount": 800})
    assert too_much.value.code == "amount_too_large"
    rest = client.v1.refunds.create(params={"payment_intent": pi_id})
    assert rest.amount == 700
    charge = client.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded) == (1000, True)
    assert [r.id for r in charge.refunds.data] == [rest.id, partial.id]
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"charge": charge_id})
    assert again.value.code == "charge_already_refunded"
    listed = client.v1.refunds.list(params={"charge": charge_id})
    assert len(listed.data) == 2

    types = settle(control, receiver)
    assert types.count("refund.created") == 2
    refunded = receiver.of_type("charge.refunded")
    assert [e["data"]["object"]["amount_refunded"] for e in refunded] == [300, 1000]
    assert [e["data"]["object"]["refunded"] for e in refunded] == [False, True]


def test_disputes(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=2500)
    sub = subscribe(client, control, price)
    invoice = client.v1.invoices.retrieve(sub.latest_invoice, params={"expand": ["payments"]})
    pi = client.v1.payment_intents.retrieve(invoice.payments.data[0].payment.payment_intent)
    opened = control.create_dispute(pi.latest_charge, reason="fraudulent")
    dispute = client.v1.disputes.retrieve(opened["id"])
    assert (dispute.status, dispute.reason, dispute.amount) == (
        "needs_response",
        "fraudulent",
        2500,
    )
    assert dispute.evidence_details.due_by > dispute.created
    assert client.v1.charges.retrieve(pi.latest_charge).disputed is True
    with pytest.raises(stripe.InvalidRequestError) as refund:
        client.v1.refunds.create(params={"charge": pi.latest_charge})
    assert refund.value.code == "charge_disputed"
    closed = control.close_dispute(dispute.id, "won")
    assert closed["status"] == "won"
    settle(control, receiver)
    created = receiver.of_type("charge.dispute.created")
    assert created[0]["data"]["object"]["charge"] == pi.latest_charge
    assert receiver.of_type("charge.dispute.closed")[0]["data"]["object"]["status"] == "won"
    assert "charge.dispute.funds_withdrawn" in receiver.types()
    assert "charge.dispute.funds_reinstated" in receiver.types()


def test_invoice_lines_payments_and_lists(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    price = make_price(client, amount=400)
    sub = subscribe(client, control, price)
    invoices = client.v1.invoices.list(params={"subscription": sub.id})
    assert len(invoices.data) == 1
    invoice = invoices.data[0]
    assert invoice.billing_reason == "subscription_create"
    assert invoice.parent.subscription_details.subscription == sub.id
    line = invoice.lines.data[0]
    assert line.pricing.price_details.price == price.id
    assert line.parent.subscription_item_details.subscription == sub.id
    assert line.parent.subscription_item_details.proration is False
    lines = client.v1.invoices.line_items.list(invoice.id)
    assert [line.id for line in lines.data] == [line.id]
    payments = client.v1.invoice_payments.list(params={"invoice": invoice.id})
    assert payments.data[0].amount_paid == 400
    assert client.v1.charges.list(params={"customer": sub.customer}).data[0].amount == 400
    assert client.v1.payment_intents.list(params={"customer": sub.customer}).data[0].status == (
        "succeeded"
    )
    items = client.v1.subscription_items.list(params={"subscription": sub.id})
    assert items.data[0].price.id == price.id


def test_empty_metadata_values_mean_no_such_key(client: stripe.StripeClient) -> None:
    # Stripe treats `metadata[key]=` as "unset key", on create as on update.
    product = client.v1.products.create({"name": "Meta", "metadata": {"a": "1", "gone": ""}})
    assert product.metadata.to_dict() == {"a": "1"}
    product = client.v1.products.update(product.id, {"metadata": {"a": "", "b": "2"}})
    assert product.metadata.to_dict() == {"b": "2"}
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {"price_data": {"currency": "eur", "unit_amount": 500,
                                "product_data": {"name": "Gift"}}, "quantity": 1}
            ],
            "success_url": "http://example.org/ok",
            "metadata": {"tier": "", "who": "x"},
            "payment_intent_data": {"metadata": {"kind": "one_time", "empty": ""}},
        }
    )  # fmt: skip
    assert session.metadata.to_dict() == {"who": "x"}
    customer = client.v1.customers.create({"email": "m@example.org", "metadata": {"x": ""}})
    assert customer.metadata.to_dict() == {}


def _refused(call: object) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as error:
        call()  # type: ignore[operator]
    assert "does not implement" in str(error.value)
    return error.value


def test_what_used_to_be_accepted_and_dropped_is_refused_or_done(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    price = make_price(client, amount=700)
    sub = subscribe(client, control, price)
    customer = sub.customer
    # Refused until implemented, each naming the parameter.
    invoiced = _refused(
        lambda: client.v1.subscriptions.update(sub.id, params={"collection_method": "send_invoice"})
    )
    assert invoiced.param == "collection_method"
    hook = _refused(
        lambda: client.v1.webhook_endpoints.create(
            params={"url": "https://hooks.test/x", "enabled_events": ["payout.paid"]}
        )
    )
    assert hook.param == "enabled_events[0]"
    taxed = _refused(
        lambda: client.v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "line_items": [{"price": price.id, "quantity": 1}],
                "success_url": "https://site.test/ok",
                "automatic_tax": {"enabled": True},
            }
        )
    )
    assert taxed.param == "automatic_tax[enabled]"
    # `type` and `types` together is Stripe's own error.
    with pytest.raises(stripe.InvalidRequestError) as both:
        client.v1.events.list(params={"type": "invoice.paid", "types": ["invoice.paid"]})
    assert both.value.code == "parameters_exclusive"
    # The period filters of the subscription list are applied.
    end = sub["items"]["data"][0]["current_period_end"]
    found = client.v1.subscriptions.list(params={"current_period_end": {"gte": end}})
    assert [s.id for s in found.data] == [sub.id]
    assert client.v1.subscriptions.list(params={"current_period_end": {"lt": end}}).data == []
    assert client.v1.subscriptions.list(
        params={"customer": customer, "current_period_start": {"lte": end}}
    ).data
    # Statement descriptors reach the charge.
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [{"price": make_price(client, interval=None).id, "quantity": 1}],
            "success_url": "https://site.test/ok",
            "payment_intent_data": {"statement_descriptor_suffix": "gift"},
        }
    )
    control.pay_checkout_session(session.id, email="gift@example.com")
    pi = client.v1.payment_intents.retrieve(
        client.v1.checkout.sessions.retrieve(session.id).payment_intent,
        params={"expand": ["latest_charge"]},
    )
    assert pi.statement_descriptor_suffix == "gift"
    assert pi.latest_charge.calculated_statement_descriptor.endswith("* GIFT")
