"""One lock order (billing/locks.py): the handlers that meet on one subscription never wait on
each other in a circle (issue 9, item 6), and a lock taken out of order is refused."""

from __future__ import annotations

import threading

import pytest
from django.db import connections, transaction

from billing import gateway
from billing.locks import LockOrderError, lock_invoice, lock_member, lock_subscription
from billing.models import Membership, Payment
from billing.webhooks.handlers import HANDLERS
from tests.billing.money_path import drain, signed_in, start_checkout

ROUNDS = 8


def _held_events(control: object) -> dict[str, dict]:
    client = gateway.client()
    ids = [held["event"] for held in control.held_webhooks()]  # type: ignore[attr-defined]
    return {e["type"]: e for e in (client.v1.events.retrieve(i).to_dict() for i in ids)}


def _together(*events: dict) -> list[BaseException]:
    """Run each event's handler in its own thread and transaction, all starting at once (as
    two workers would), and return what they raised."""
    start = threading.Barrier(len(events))
    errors: list[BaseException] = []

    def run(event: dict) -> None:
        try:
            start.wait(10)
            with transaction.atomic():
                HANDLERS[event["type"]](event)
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever happened
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.stripe
@pytest.mark.worker
def test_checkout_completed_and_invoice_paid_together_never_deadlock(
    stripe_stand_in: object,
) -> None:
    members = []
    for _ in range(ROUNDS):
        client, member = signed_in()
        members.append(member)
        stripe_stand_in.hold_webhooks()  # type: ignore[attr-defined]  # the worker waits
        session = start_checkout(client)
        stripe_stand_in.pay_checkout_session(session.stripe_session_id)  # type: ignore[attr-defined]
        events = _held_events(stripe_stand_in)
        errors = _together(events["checkout.session.completed"], events["invoice.paid"])
        assert errors == []  # PostgreSQL raises "deadlock detected" in one of them otherwise
        membership = Membership.objects.get(user=member)
        assert Payment.objects.filter(membership=membership).count() == 1
        stripe_stand_in.release_webhooks()  # type: ignore[attr-defined]
        drain(stripe_stand_in)
    assert Membership.objects.filter(user__in=members, status="active").count() == ROUNDS
    assert Payment.objects.filter(user__in=members).count() == ROUNDS


@pytest.mark.django_db(transaction=True)
def test_a_lock_out_of_order_is_refused() -> None:
    with transaction.atomic():
        lock_subscription("sub_1")
        lock_member(1)
        lock_invoice("in_1")
        lock_subscription("sub_1")  # again: held already, fine
        with pytest.raises(LockOrderError, match="subscription:sub_2 taken after invoice"):
            lock_subscription("sub_2")
    with transaction.atomic():  # a new transaction starts with nothing held
        lock_invoice("in_1")
        with pytest.raises(LockOrderError):
            lock_member(1)
