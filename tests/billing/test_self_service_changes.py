"""Changing one's support on "My support" (issue 13), through the Stripe stand-in, its clock and
the real worker: an upgrade charged what its preview showed, a downgrade and monthly -> annual
at the renewal (a subscription schedule), undoing a scheduled change, a custom amount, a
declined card, a repeated confirmation, and choices the catalog does not allow."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from billing import gateway
from billing.models import Membership, MembershipChange, Payment, ScheduledChange
from tests.billing.money_path import become_patron, drain
from tests.utils import mailbox

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe, pytest.mark.worker]


def review(client: Client, membership: Membership, **choice: str) -> str:
    response = client.get(f"/account/support/{membership.pk}/change/review/", choice)
    assert response.status_code == 200, response.content.decode()[:3000]
    return response.content.decode()


def confirm_fields(page: str) -> dict[str, str]:
    """The hidden fields of the review page's confirmation form, as a browser sends them."""
    form = page[page.index('action="/account/support/') :]
    form = form[: form.index("</form>")]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def confirm(client: Client, membership: Membership, page: str) -> str:
    response = client.post(
        f"/account/support/{membership.pk}/change/confirm/", confirm_fields(page), follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def amount_due(page: str) -> int:
    """The amount the review page says is charged now, in cents."""
    match = re.search(r'id="amount-due"><strong>€([0-9.,]+)</strong>', page)
    assert match, page
    return round(float(match.group(1).replace(",", "")) * 100)


def test_an_upgrade_charges_exactly_what_the_preview_showed(stripe_stand_in: object) -> None:
    client, member, _session = become_patron(stripe_stand_in)  # Reader, €5 a month
    stripe_stand_in.advance(days=10)  # type: ignore[attr-defined]  # a third of the month used
    drain(stripe_stand_in)
    membership = Membership.objects.get()

    page = review(client, membership, tier="insider", interval="month")
    due = amount_due(page)
    # The rest of the month on Insider, less the unused time on Reader: about 2/3 of €7.
    assert 400 < due < 520, due
    assert f"Pay €{due / 100:.2f} now and switch to Insider" in page
    assert "Credit for the unused time on Reader" in page
    assert Payment.objects.count() == 1  # the preview charged nothing

    done = confirm(client, membership, page)
    assert f"You now support us as Insider, €12 a month. We charged €{due / 100:.2f}." in done
    membership.refresh_from_db()  # copied back at once, before any webhook
    assert (membership.tier.slug, membership.amount, membership.custom_amount) == (
        "insider",
        1200,
        False,
    )
    drain(stripe_stand_in)
    upgrade = Payment.objects.get(billing_reason="subscription_update")
    assert (upgrade.amount, upgrade.currency, upgrade.user) == (due, "eur", member)
    row = MembershipChange.objects.get(membership=membership, kind="upgraded")
    assert (row.amount_before, row.amount_after, row.mrr_delta) == (500, 1200, 700)
    assert len([m for m in mailbox() if m["Subject"].startswith("Your receipt")]) == 2

    # The next renewal is the new price, in full.
    stripe_stand_in.advance(days=21)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    renewal = Payment.objects.get(billing_reason="subscription_cycle")
    assert renewal.amount == 1200


def test_a_repeated_confirmation_charges_once(stripe_stand_in: object) -> None:
    client, _member, _session = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    page = review(client, membership, tier="patron", interval="month")
    fields = confirm_fields(page)
    url = f"/account/support/{membership.pk}/change/confirm/"
    first = client.post(url, fields)
    second = client.post(url, fields)  # a double click, or the back button and again
    assert (first.status_code, second.status_code) == (302, 302)
    drain(stripe_stand_in)
    assert Payment.objects.filter(billing_reason="subscription_update").count() == 1
    assert Membership.objects.get().amount == 3000


def test_a_downgrade_waits_for_the_renewal(stripe_stand_in: object) -> None:
    client, _member, _session = become_patron(stripe_stand_in, tier="insider")
    membership = Membership.objects.get()
    renews = membership.current_period_end
    page = review(client, membership, tier="reader", interval="month")
    assert "Nothing is charged today" in page
    assert f"Switch to Reader on {renews:%-d %B %Y}" in page
    done = confirm(client, membership, page)
    assert f"From {renews:%-d %B %Y} you will support us as Reader, €5 a month." in done
    scheduled = ScheduledChange.objects.get(membership=membership)
    assert (scheduled.tier.slug, scheduled.amount, scheduled.starts_at) == ("reader", 500, renews)
    membership.refresh_from_db()
    assert (membership.tier.slug, membership.amount) == ("insider", 1200)  # not yet
    my_support = client.get("/account/support/").content.decode()
    assert f"From {renews:%-d %B %Y}" in my_support
    assert "Keep €12 a month instead" in my_support

    stripe_stand_in.advance(days=31)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    membership.refresh_from_db()
    assert (membership.tier.slug, membership.amount, membership.interval) == (
        "reader",
        500,
        "month",
    )
    assert Payment.objects.get(billing_reason="subscription_cycle").amount == 500
    assert not ScheduledChange.objects.exists()
    row = MembershipChange.objects.get(membership=membership, kind="downgraded")
    assert (row.tier_before.slug, row.tier_after.slug, row.mrr_delta) == ("insider", "reader", -700)
    assert row.occurred_at == renews
    assert Payment.objects.filter(billing_reason="subscription_update").count() == 0


def test_monthly_to_annual_at_the_renewal(stripe_stand_in: object) -> None:
    client, _member, _session = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    renews = membership.current_period_end
    page = review(client, membership, tier="reader", interval="year")
    assert "Nothing is charged today" in page
    confirm(client, membership, page)
    assert ScheduledChange.objects.get().interval == "year"

    stripe_stand_in.advance(days=31)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    membership.refresh_from_db()
    assert (membership.amount, membership.interval) == (5000, "year")
    assert membership.current_period_start == renews
    assert (membership.current_period_end - renews).days >= 365
    assert Payment.objects.get(billing_reason="subscription_cycle").amount == 5000
    row = MembershipChange.objects.get(membership=membership, kind="interval_changed")
    assert (row.interval_before, row.interval_after, row.mrr_after) == ("month", "year", 417)


def test_a_scheduled_change_can_be_undone(stripe_stand_in: object) -> None:
    client, _member, _session = become_patron(stripe_stand_in, tier="patron")
    membership = Membership.objects.get()
    confirm(client, membership, review(client, membership, tier="reader", interval="month"))
    assert ScheduledChange.objects.exists()
    undone = client.post(f"/account/support/{membership.pk}/change/undo/", follow=True)
    assert "Your support stays as it is: €30 a month." in undone.content.decode()
    assert not ScheduledChange.objects.exists()
    sub = gateway.subscription_retrieve(subscription_id=membership.stripe_subscription_id)
    assert sub["schedule"] is None

    stripe_stand_in.advance(days=31)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert Payment.objects.get(billing_reason="subscription_cycle").amount == 3000
    assert not MembershipChange.objects.filter(kind="downgraded").exists()


def test_a_custom_amount_is_a_price_of_its_own(stripe_stand_in: object) -> None:
    client, _member, _session = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    page = review(client, membership, tier="reader", interval="month", amount="8")
    due = amount_due(page)
    assert 290 <= due <= 300
    confirm(client, membership, page)
    membership.refresh_from_db()
    assert (membership.tier.slug, membership.amount, membership.custom_amount) == (
        "reader",
        800,
        True,
    )
    price = gateway.price_retrieve(price_id=membership.stripe_price_id)
    assert price["metadata"]["custom_amount"] == "true"
    assert "tier_price_id" not in price["metadata"]
    drain(stripe_stand_in)
    assert Payment.objects.get(billing_reason="subscription_update").amount == due


def test_a_declined_card_changes_nothing(stripe_stand_in: object) -> None:
    client, _member, _session = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    # The card on file has been declined since (the test's doing, at Stripe).
    gateway.client().v1.subscriptions.update(
        membership.stripe_subscription_id,
        {"default_payment_method": "pm_card_visa_chargeDeclined"},
    )
    page = review(client, membership, tier="insider", interval="month")
    done = confirm(client, membership, page)
    assert "Your card was declined, so nothing was charged" in done
    drain(stripe_stand_in)
    membership.refresh_from_db()
    assert (membership.tier.slug, membership.amount, membership.status) == ("reader", 500, "active")
    assert not Payment.objects.filter(billing_reason="subscription_update").exists()


def test_choices_the_catalog_does_not_allow_are_refused_with_a_reason(
    stripe_stand_in: object,
) -> None:
    client, _member, _session = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    url = f"/account/support/{membership.pk}/change/review/"
    cases = {
        "Insider has a fixed price. Leave the amount empty.": {
            "tier": "insider", "interval": "month", "amount": "20",
        },
        "The smallest amount for Reader is €3.": {
            "tier": "reader", "interval": "month", "amount": "2",
        },
        "That is what you give now.": {"tier": "reader", "interval": "month"},
        "Select a valid choice.": {"tier": "nope", "interval": "month"},
        "Enter an amount as a number": {"tier": "reader", "interval": "month", "amount": "lots"},
    }  # fmt: skip
    for message, choice in cases.items():
        response = client.get(url, choice)
        page = response.content.decode()
        assert response.status_code == 400, (choice, page[:2000])
        assert "There is a problem" in page
        assert message in page, (choice, message)
    # A forged confirmation changes nothing: the choice is shown again, previewed afresh.
    fields = confirm_fields(review(client, membership, tier="insider", interval="month"))
    fields["token"] = fields["token"][:-2] + "xx"
    response = client.post(f"/account/support/{membership.pk}/change/confirm/", fields)
    assert response.status_code == 302
    assert "/change/review/?tier=insider&interval=month" in response["Location"]
    assert Membership.objects.get().amount == 500


def test_the_pages_speak_ukrainian_and_their_radios_are_not_marked_as_another_language(
    stripe_stand_in: object,
) -> None:
    client, _member, _session = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    form = client.get(f"/account/support/{membership.pk}/change/").content.decode()
    assert "Змінити мою підтримку" in form
    # A radio's label carries `lang` only on the language choice (a tier is not a language).
    assert not re.search(r'<label for="change-tier_\d"[^>]* lang=', form)
    page = review(client, membership, tier="insider", interval="month")
    assert re.search(r"Сплатити €[0-9.]+ зараз і перейти на Insider", page)  # noqa: RUF001
    pause = client.get(f"/account/support/{membership.pk}/pause/").content.decode()
    assert "2 місяці, до " in pause
    cancel = client.get(f"/account/support/{membership.pk}/cancel/").content.decode()
    assert "Це забагато коштує" in cancel
