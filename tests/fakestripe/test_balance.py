"""A customer's credit balance and its ledger, the account balance, and the search endpoints
(refused)."""

from __future__ import annotations

import pytest
import stripe

from fakestripe.control import FakeStripeControl
from tests.fakestripe.helpers import make_price, period_end, settle, subscribe
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe


def test_credit_is_written_down_and_used_by_the_next_invoice(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    price = make_price(client, amount=1000)
    sub = subscribe(client, control, price)
    credit = client.v1.customers.balance_transactions.create(
        sub.customer, params={"amount": -400, "currency": "eur", "description": "Sorry"}
    )
    assert (credit.type, credit.amount, credit.ending_balance) == ("adjustment", -400, -400)
    assert client.v1.customers.retrieve(sub.customer).balance == -400
    renamed = client.v1.customers.balance_transactions.update(
        sub.customer, credit.id, params={"description": "Goodwill", "metadata": {"k": "v"}}
    )
    assert (renamed.description, renamed.metadata.to_dict()) == ("Goodwill", {"k": "v"})
    fetched = client.v1.customers.balance_transactions.retrieve(sub.customer, credit.id)
    assert fetched.description == "Goodwill"

    control.advance(to=period_end(sub) + 60)
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert (renewal.starting_balance, renewal.ending_balance) == (-400, 0)
    assert (renewal.amount_due, renewal.amount_paid) == (600, 600)
    assert client.v1.customers.retrieve(sub.customer).balance == 0
    used = client.v1.customers.balance_transactions.list(
        sub.customer, params={"invoice": renewal.id}
    )
    assert [(t.type, t.amount, t.ending_balance) for t in used.data] == [
        ("applied_to_invoice", 400, 0)
    ]
    ledger = client.v1.customers.balance_transactions.list(sub.customer)
    assert [t.type for t in ledger.data] == ["applied_to_invoice", "adjustment"]
    assert "customer.updated" in settle(control, receiver)


def test_balance_set_directly_is_an_initial_or_adjustment_transaction(
    client: stripe.StripeClient,
) -> None:
    customer = client.v1.customers.create(params={"email": "b@example.com", "balance": 250})
    client.v1.customers.update(customer.id, params={"balance": -100})
    ledger = client.v1.customers.balance_transactions.list(customer.id)
    assert [(t.type, t.amount, t.ending_balance) for t in ledger.data] == [
        ("adjustment", -350, -100),
        ("initial", 250, 250),
    ]
    with pytest.raises(stripe.InvalidRequestError) as zero:
        client.v1.customers.balance_transactions.create(
            customer.id, params={"amount": 0, "currency": "eur"}
        )
    assert zero.value.param == "amount"
    other = client.v1.customers.create(params={"email": "o@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as elsewhere:
        client.v1.customers.balance_transactions.retrieve(other.id, ledger.data[0].id)
    assert elsewhere.value.http_status == 404


def test_voiding_an_invoice_gives_the_credit_back(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    price = make_price(client, amount=1000)
    sub = subscribe(client, control, price, card="4000000000000341")
    client.v1.customers.balance_transactions.create(
        sub.customer, params={"amount": -300, "currency": "eur"}
    )
    control.advance(to=period_end(sub) + 60)
    renewal = client.v1.invoices.retrieve(client.v1.subscriptions.retrieve(sub.id).latest_invoice)
    assert (renewal.status, renewal.amount_due) == ("open", 700)
    assert client.v1.customers.retrieve(sub.customer).balance == 0
    client.v1.invoices.void_invoice(renewal.id)
    assert client.v1.customers.retrieve(sub.customer).balance == -300
    back = client.v1.customers.balance_transactions.list(sub.customer).data[0]
    assert (back.type, back.amount, back.invoice) == ("unapplied_from_invoice", -300, renewal.id)


def test_the_account_balance_adds_up_charges_and_refunds(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    before = client.v1.balance.retrieve()
    price = make_price(client, amount=1000)
    subscribe(client, control, price)
    after = client.v1.balance.retrieve()

    def total(balance: stripe.Balance) -> int:
        return sum(e.amount for e in balance.available + balance.pending if e.currency == "eur")

    assert 0 < total(after) - total(before) < 1000  # less Stripe's fee
    control.advance(days=10)
    assert sum(e.amount for e in client.v1.balance.retrieve().pending) == 0


def test_search_is_refused_out_loud(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.customers.search(params={"query": "email:'a@example.com'"})
    assert "does not implement" in str(refused.value.user_message)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.search(params={"query": "status:'active'"})
