"""One primary Stripe Customer per member; the portal opens on the Customer of the membership
(issue 9, item 3); a repeated gift is a new checkout (item 20)."""

from __future__ import annotations

import pytest
import requests
from django.db import IntegrityError, transaction
from django.test import Client

from billing.customers import customer_for_user
from billing.models import BillingCustomer, CheckoutSession, Membership, Payment
from tests.billing.money_path import become_patron, drain, start_checkout
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


def _gift_logged_out(control: object, email: str, amount: str = "10") -> CheckoutSession:
    session = start_checkout(Client(), tier="", interval="once", currency="eur", amount=amount)
    control.pay_checkout_session(session.stripe_session_id, email=email)  # type: ignore[attr-defined]
    drain(control)
    return session


@pytest.mark.stripe
@pytest.mark.worker
def test_after_a_logged_out_gift_the_portal_still_opens_on_the_membership(
    stripe_stand_in: object,
) -> None:
    client, member, _session = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    _gift_logged_out(stripe_stand_in, member.email)
    gift = Payment.objects.get(kind="one_time")
    assert gift.user == member
    assert gift.stripe_customer_id != membership.stripe_customer_id  # Checkout made another
    customers = BillingCustomer.objects.filter(user=member)
    assert customers.count() == 2
    assert customers.get(is_primary=True).stripe_customer_id == membership.stripe_customer_id

    response = client.post("/account/support/manage/")
    assert response.status_code == 303
    portal = requests.get(response["Location"], timeout=10, proxies={"http": ""})
    assert portal.status_code == 200
    assert membership.stripe_subscription_id in portal.text  # the membership can be managed

    # A signed-in checkout pays as the primary Customer, not the gift's.
    assert customer_for_user(user=member) == membership.stripe_customer_id


@pytest.mark.stripe
@pytest.mark.worker
def test_a_member_who_first_paid_logged_out_keeps_paying_as_that_customer(
    stripe_stand_in: object,
) -> None:
    member = UserFactory(email="walk-in@example.org")
    _gift_logged_out(stripe_stand_in, member.email)
    first = BillingCustomer.objects.get(user=member)
    assert first.is_primary
    client = Client()
    client.force_login(member)
    session = start_checkout(client)
    stripe_stand_in.pay_checkout_session(session.stripe_session_id)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert Membership.objects.get(user=member).stripe_customer_id == first.stripe_customer_id
    assert BillingCustomer.objects.filter(user=member).count() == 1


@pytest.mark.stripe
@pytest.mark.worker
def test_the_same_gift_again_within_minutes_is_a_new_checkout(stripe_stand_in: object) -> None:
    client = Client()
    fields = {"tier": "", "interval": "once", "currency": "eur", "amount": "10"}
    first = start_checkout(client, **fields)
    stripe_stand_in.pay_checkout_session(  # type: ignore[attr-defined]
        first.stripe_session_id, email="twice@example.org"
    )
    drain(stripe_stand_in)
    first.refresh_from_db()
    assert first.status == "complete"
    second = start_checkout(client, **fields)  # same browser, same choice, same window
    assert second.stripe_session_id != first.stripe_session_id
    assert second.status == "open"
    assert start_checkout(client, **fields) == second  # a double click is still one
    stripe_stand_in.pay_checkout_session(  # type: ignore[attr-defined]
        second.stripe_session_id, email="twice@example.org"
    )
    drain(stripe_stand_in)
    assert Payment.objects.filter(kind="one_time").count() == 2


def test_the_database_allows_one_primary_customer_per_member() -> None:
    member = UserFactory()
    BillingCustomer.objects.create(user=member, stripe_customer_id="cus_a", is_primary=True)
    BillingCustomer.objects.create(user=member, stripe_customer_id="cus_b")
    with pytest.raises(IntegrityError), transaction.atomic():
        BillingCustomer.objects.create(user=member, stripe_customer_id="cus_c", is_primary=True)
