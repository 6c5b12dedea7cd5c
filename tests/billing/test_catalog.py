"""Pushing tiers to Stripe (the stand-in) as Products and Prices, idempotently."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from billing import gateway
from billing.catalog import tiers_sync
from billing.demo import seed_tiers
from billing.models import Tier, TierPrice
from tests.members.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe]


def stripe_prices(product_id: str) -> list[dict]:
    page = gateway.client().v1.prices.list({"product": product_id, "limit": 100})
    return [p.to_dict() for p in page.data]


def test_sync_creates_then_changes_nothing(stripe_api: object) -> None:
    seed_tiers()
    first = tiers_sync()
    assert (first.products_created, first.prices_created) == (3, 18)
    reader = Tier.objects.get(slug="reader")
    product = gateway.product_retrieve(product_id=reader.stripe_product_id)
    assert (product["name"], product["metadata"]["tier_slug"]) == ("Reader", "reader")
    price = TierPrice.objects.get(tier=reader, currency="usd", interval="year")
    at_stripe = gateway.price_retrieve(price_id=price.stripe_price_id)
    assert at_stripe["unit_amount"] == 5000
    assert (at_stripe["currency"], at_stripe["recurring"]["interval"]) == ("usd", "year")

    second = tiers_sync()
    assert not second.changed
    assert second.unchanged == 18
    assert len(stripe_prices(reader.stripe_product_id)) == 6


def test_a_changed_amount_makes_a_new_price_and_archives_the_old(stripe_api: object) -> None:
    seed_tiers()
    tiers_sync()
    price = TierPrice.objects.get(tier__slug="reader", currency="eur", interval="month")
    old_id = price.stripe_price_id
    price.amount = 600
    price.save()
    report = tiers_sync()
    assert (report.prices_created, report.prices_archived) == (1, 1)
    price.refresh_from_db()
    assert price.stripe_price_id != old_id
    assert price.synced_amount == 600
    assert gateway.price_retrieve(price_id=price.stripe_price_id)["unit_amount"] == 600
    assert gateway.price_retrieve(price_id=old_id)["active"] is False
    # Back to the old amount: a fresh Price again, never the archived one replayed.
    price.amount = 500
    price.save()
    tiers_sync()
    price.refresh_from_db()
    assert price.stripe_price_id not in (old_id,)
    assert gateway.price_retrieve(price_id=price.stripe_price_id)["active"] is True
    assert not tiers_sync().changed


def test_renamed_tier_updates_its_product(stripe_api: object) -> None:
    seed_tiers()
    tiers_sync()
    Tier.objects.filter(slug="patron").update(name="Patron of the Arts", is_active=False)
    report = tiers_sync()
    assert report.products_updated == 1
    product_id = Tier.objects.get(slug="patron").stripe_product_id
    product = gateway.product_retrieve(product_id=product_id)
    assert (product["name"], product["active"]) == ("Patron of the Arts", False)


def test_objects_missing_at_stripe_are_recreated(stripe_api: object) -> None:
    seed_tiers()
    tiers_sync()
    stripe_api.reset()  # type: ignore[attr-defined]  # e.g. a fresh stand-in, or another account
    report = tiers_sync()
    assert (report.products_created, report.prices_created) == (3, 18)
    assert not tiers_sync().changed


def test_management_command(stripe_api: object, capsys: pytest.CaptureFixture[str]) -> None:
    seed_tiers()
    call_command("sync_tiers")
    assert "price" in capsys.readouterr().out
    call_command("sync_tiers")
    assert "Stripe already matches (18 prices checked)." in capsys.readouterr().out


def test_admin_action_pushes_selected_tiers(stripe_api: object) -> None:
    seed_tiers()
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    reader = Tier.objects.get(slug="reader")
    response = client.post(
        "/admin/billing/tier/",
        {"action": "push_to_stripe", "_selected_action": [reader.pk]},
        follow=True,
    )
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.stripe_product_id
    assert Tier.objects.exclude(slug="reader").filter(stripe_product_id="").count() == 2
    assert "created" in response.content.decode()


def test_finance_edits_a_price_in_the_admin_and_pushes_it(stripe_api: object) -> None:
    seed_tiers()
    tiers_sync()
    reader = Tier.objects.get(slug="reader")
    finance = Client()
    finance.force_login(UserFactory(roles=["finance"], is_staff=True))
    page = finance.get(f"/admin/billing/tier/{reader.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "stripe_product_id"}
    data["benefits"] = reader.benefits
    prices = list(reader.prices.order_by("pk"))
    data.update({"prices-TOTAL_FORMS": len(prices), "prices-INITIAL_FORMS": len(prices),
                 "prices-MIN_NUM_FORMS": 0, "prices-MAX_NUM_FORMS": 1000})  # fmt: skip
    for i, price in enumerate(prices):
        amount = 700 if (price.currency, price.interval) == ("eur", "month") else price.amount
        row = {"id": price.pk, "tier": reader.pk, "currency": price.currency,
               "interval": price.interval, "amount": amount}  # fmt: skip
        data.update({f"prices-{i}-{name}": value for name, value in row.items()})
    saved = finance.post(f"/admin/billing/tier/{reader.pk}/change/", data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    eur = TierPrice.objects.get(tier=reader, currency="eur", interval="month")
    assert (eur.amount, eur.in_sync) == (700, False)
    finance.post(
        "/admin/billing/tier/", {"action": "push_to_stripe", "_selected_action": [reader.pk]}
    )
    eur.refresh_from_db()
    assert eur.in_sync
    assert gateway.price_retrieve(price_id=eur.stripe_price_id)["unit_amount"] == 700

    # Staff may look at tiers but not change them.
    staff = Client()
    staff.force_login(UserFactory(roles=["staff"], is_staff=True))
    assert staff.get("/admin/billing/tier/").status_code == 200
    assert staff.post(f"/admin/billing/tier/{reader.pk}/change/", data).status_code == 403


@pytest.mark.worker
def test_members_on_an_old_price_keep_their_tier_and_are_not_custom(
    stripe_stand_in: object,
) -> None:
    from billing.memberships import membership_sync
    from billing.models import Membership
    from tests.billing.money_path import become_patron

    become_patron(stripe_stand_in)  # Reader, €5 a month
    price = TierPrice.objects.get(tier__slug="reader", currency="eur", interval="month")
    old_price_id = price.stripe_price_id
    price.amount = 600
    price.save()
    tiers_sync()
    price.refresh_from_db()
    assert price.stripe_price_id != old_price_id
    membership = membership_sync(subscription_id=Membership.objects.get().stripe_subscription_id)
    assert (membership.stripe_price_id, membership.amount) == (old_price_id, 500)
    assert (membership.tier.slug, membership.custom_amount) == ("reader", False)
