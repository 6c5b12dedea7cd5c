"""A paid checkout completes step by step, as at Stripe since basil: the payment first, then
the session is complete and the subscription exists ``incomplete`` with a draft invoice, the
invoice is finalized and paid, and the subscription becomes ``active``. A refetch that runs
meanwhile sees each of these states."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import stripe

from fakestripe.api.base import ROUTES  # noqa: F401 - the routes register on import
from fakestripe.app import create_app
from fakestripe.cards import card_for
from fakestripe.checkout_flow import CardEntry, pay_session
from fakestripe.completion import resume_completions
from fakestripe.config import Settings
from fakestripe.control import FakeStripeControl, FakeStripeControlError
from fakestripe.runtime import Runtime
from tests.fakestripe.helpers import make_price, settle, subscription_session
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe


class Watcher(threading.Thread):
    """Refetches a session, and its subscription and invoice once they exist, until stopped;
    records every distinct (session, subscription, invoice) status it saw, in order."""

    def __init__(self, client: stripe.StripeClient, session_id: str) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.session_id = session_id
        self.seen: list[tuple[str, str | None, str | None]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while True:
            # Set before this sample: it is taken after the completion ended, so the final
            # state is always seen.
            finished = self.done.is_set()
            session = self.client.v1.checkout.sessions.retrieve(self.session_id)
            sub = invoice = None
            if session.subscription:
                sub = self.client.v1.subscriptions.retrieve(session.subscription).status
                invoice = self.client.v1.invoices.retrieve(session.invoice).status
            state = (session.status, sub, invoice)
            if not self.seen or self.seen[-1] != state:
                self.seen.append(state)
            if finished:
                return


def test_a_concurrent_refetch_sees_every_state_in_between(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    session = subscription_session(client, make_price(client, amount=900))
    watcher = Watcher(client, session.id)
    watcher.start()
    control.pay_checkout_session(session.id, step_seconds=0.4)
    watcher.done.set()
    watcher.join(timeout=10)
    assert watcher.seen == [
        ("open", None, None),
        ("complete", "incomplete", "draft"),
        ("complete", "incomplete", "open"),
        ("complete", "incomplete", "paid"),
        ("complete", "active", "paid"),
    ]


def test_events_follow_the_steps_and_carry_each_state(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    session = subscription_session(client, make_price(client, amount=900))
    settle(control, receiver)
    receiver.clear()
    control.pay_checkout_session(session.id)
    types = settle(control, receiver)
    assert types == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "customer.created",
        "payment_method.attached",
        "customer.subscription.created",
        "invoice.created",
        "invoice.finalized",
        "invoice_payment.paid",
        "invoice.paid",
        "invoice.payment_succeeded",
        "customer.subscription.updated",
        "checkout.session.completed",
    ]
    created = receiver.of_type("customer.subscription.created")[0]["data"]["object"]
    assert created["status"] == "incomplete"
    draft = receiver.of_type("invoice.created")[0]["data"]["object"]
    assert (draft["status"], draft["id"]) == ("draft", created["latest_invoice"])
    assert receiver.of_type("invoice.finalized")[0]["data"]["object"]["status"] == "open"
    activated = receiver.of_type("customer.subscription.updated")[0]["data"]
    assert activated["object"]["status"] == "active"
    assert activated["previous_attributes"] == {"status": "incomplete"}
    completed = receiver.of_type("checkout.session.completed")[0]["data"]["object"]
    assert completed["subscription"] == created["id"]
    assert completed["invoice"] == draft["id"]
    # The charge came first and is the invoice's payment; it belongs to the new customer.
    invoice = client.v1.invoices.retrieve(draft["id"], params={"expand": ["payments"]})
    pi_id = invoice.payments.data[0].payment.payment_intent
    paid_intent = receiver.of_type("payment_intent.succeeded")[0]["data"]["object"]
    assert paid_intent["id"] == pi_id
    assert invoice.amount_paid == 900
    intent = client.v1.payment_intents.retrieve(pi_id, params={"expand": ["latest_charge"]})
    assert intent.customer == created["customer"]
    assert intent.latest_charge.customer == created["customer"]


def test_a_declined_subscription_payment_creates_nothing_but_the_failed_charge(
    client: stripe.StripeClient, control: FakeStripeControl, receiver: WebhookReceiver
) -> None:
    session = subscription_session(client, make_price(client, amount=900))
    settle(control, receiver)
    receiver.clear()
    with pytest.raises(FakeStripeControlError) as declined:
        control.pay_checkout_session(session.id, card="4000000000000002")
    assert declined.value.status == 402
    assert settle(control, receiver) == [
        "payment_intent.created",
        "charge.failed",
        "payment_intent.payment_failed",
    ]
    assert client.v1.subscriptions.list(params={"status": "all"}).data == []
    assert client.v1.customers.list().data == []
    assert client.v1.invoices.list().data == []
    # The next card is charged on the same payment intent.
    control.pay_checkout_session(session.id)
    intents = client.v1.payment_intents.list().data
    assert len(intents) == 1
    assert intents[0].status == "succeeded"


def test_a_session_being_completed_cannot_be_paid_again_or_expired(
    client: stripe.StripeClient, control: FakeStripeControl
) -> None:
    session = subscription_session(client, make_price(client, amount=900))
    paying = threading.Thread(
        target=control.pay_checkout_session, args=(session.id,), kwargs={"step_seconds": 0.5}
    )
    paying.start()
    try:
        # Paid, not yet complete: the payment intent succeeded, the session is still open.
        while paying.is_alive() and not [
            pi for pi in client.v1.payment_intents.list().data if pi.status == "succeeded"
        ]:
            pass
        assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
        with pytest.raises(FakeStripeControlError) as again:
            control.pay_checkout_session(session.id)
        assert again.value.error["code"] == "checkout_session_not_open"
        with pytest.raises(stripe.InvalidRequestError):
            client.v1.checkout.sessions.expire(session.id)
    finally:
        paying.join(timeout=10)
    assert client.v1.subscriptions.list().data[0].status == "active"


def _form(http: Any, path: str, **data: str) -> dict[str, Any]:
    response = http.post(
        path,
        data=data,
        headers={"Authorization": "Bearer sk_test_resume"},
    )
    assert response.status_code == 200, response.data
    return response.get_json()


def test_a_completion_left_half_way_is_finished_at_start_up() -> None:
    rt = Runtime(Settings(port=0, tick_seconds=0, log_requests=False))
    http = create_app(rt).test_client()
    product = _form(http, "/v1/products", name="Supporter")
    price = _form(
        http,
        "/v1/prices",
        product=product["id"],
        unit_amount="500",
        currency="eur",
        **{"recurring[interval]": "month"},
    )
    session = _form(
        http,
        "/v1/checkout/sessions",
        mode="subscription",
        success_url="https://site.test/ok",
        customer_email="r@example.com",
        **{"line_items[0][price]": price["id"], "line_items[0][quantity]": "1"},
    )
    with rt.store.lock:
        stored = rt.store.get("checkout.session", session["id"])
        entry = CardEntry(card_for("4242424242424242"), 12, 2099, None, None)
        pay_session(rt, stored, entry)
    # The process stopped here: paid, nothing else done yet.
    assert stored["status"] == "open"
    assert rt.store.all("subscription") == []
    resume_completions(rt)
    assert stored["status"] == "complete"
    assert rt.store.get("subscription", stored["subscription"])["status"] == "active"
