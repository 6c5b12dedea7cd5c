"""Cancelling with a reason and keeping it, pausing with the reminder and Stripe's own resume,
the card form, and nobody acting on another's membership (issue 13). Through the Stripe
stand-in, its clock and the real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone

from billing import gateway
from billing.models import Membership, MembershipChange, Payment
from billing.selectors import entitlement_for
from billing.self_service.pausing import pause_endings_remind
from members.models import OutboundEmail
from tests.billing.factories import MembershipFactory
from tests.billing.money_path import become_patron, drain, signed_in
from tests.members.factories import UserFactory
from tests.utils import mailbox, text_of, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.stripe, pytest.mark.worker]


def _history(membership: Membership) -> list[tuple[str, str, str, bool | None]]:
    return list(
        MembershipChange.objects.filter(membership=membership)
        .order_by("occurred_at", "step", "id")
        .values_list("kind", "cancellation_feedback", "cancellation_comment", "voluntary")
    )


def test_cancel_with_a_reason_then_keep_then_cancel_and_end(stripe_stand_in: object) -> None:
    client, _member, _session = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    ends = membership.current_period_end
    url = f"/account/support/{membership.pk}/cancel/"
    form = client.get(url).content.decode()
    assert f"Cancel my support on {ends:%-d %B %Y}" in form
    assert "It costs too much" in form
    refused = client.post(url, {"feedback": "bored"})
    assert refused.status_code == 400
    assert "There is a problem" in refused.content.decode()

    done = client.post(url, {"feedback": "too_expensive", "comment": "  Money is tight.  "})
    assert done.status_code == 302
    membership.refresh_from_db()  # at once
    assert membership.cancel_at_period_end is True
    page = client.get("/account/support/").content.decode()
    assert f"Your support ends on {ends:%-d %B %Y}" in page
    assert "Keep my support" in page
    assert "Change my support" not in page  # keep it first
    drain(stripe_stand_in)

    kept = client.post(f"/account/support/{membership.pk}/keep/", follow=True)
    assert "Thank you for staying." in kept.content.decode()
    membership.refresh_from_db()
    assert membership.cancel_at_period_end is False
    drain(stripe_stand_in)
    stripe_stand_in.advance(hours=1)  # type: ignore[attr-defined]  # a person's pace
    # Cancelled again without a reason: the earlier reason does not linger.
    assert client.post(url, {}).status_code == 302
    drain(stripe_stand_in)
    assert _history(membership) == [
        ("started", "", "", None),
        ("cancel_scheduled", "too_expensive", "Money is tight.", True),
        ("cancel_undone", "", "", None),
        ("cancel_scheduled", "", "", True),
    ]
    assert entitlement_for(user_id=membership.user_id).entitled  # to the period's end

    stripe_stand_in.advance(days=31)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    membership.refresh_from_db()
    assert membership.status == "canceled"
    assert Payment.objects.count() == 1  # nothing charged at the end
    ended = MembershipChange.objects.get(membership=membership, kind="ended")
    assert (ended.cancellation_reason, ended.voluntary) == ("cancellation_requested", True)
    assert not entitlement_for(user_id=membership.user_id).entitled


def test_cancelling_drops_a_change_set_for_the_renewal(stripe_stand_in: object) -> None:
    from billing.models import ScheduledChange
    from tests.billing.test_self_service_changes import confirm, review

    client, _member, _session = become_patron(stripe_stand_in, tier="insider")
    membership = Membership.objects.get()
    confirm(client, membership, review(client, membership, tier="reader", interval="month"))
    assert ScheduledChange.objects.exists()
    form = client.get(f"/account/support/{membership.pk}/cancel/").content.decode()
    assert "will not happen" in form
    assert client.post(f"/account/support/{membership.pk}/cancel/", {}).status_code == 302
    membership.refresh_from_db()
    assert membership.cancel_at_period_end is True
    assert not ScheduledChange.objects.exists()
    drain(stripe_stand_in)
    assert not ScheduledChange.objects.exists()  # the webhooks agree


def test_a_pause_voids_renewals_reminds_once_and_stripe_resumes_it(
    stripe_stand_in: object,
) -> None:
    client, member, _session = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    url = f"/account/support/{membership.pk}/pause/"
    form = client.get(url).content.decode()
    assert "1 month, until" in form
    assert "3 months, until" in form
    assert client.post(url, {"months": "5"}).status_code == 400
    done = client.post(url, {"months": "1"}, follow=True).content.decode()
    membership.refresh_from_db()
    resumes = membership.pause_resumes_at
    assert membership.paused is True
    assert abs(resumes - (timezone.now() + timedelta(days=30))) < timedelta(days=2)
    assert f"Your payments are paused until {resumes:%-d %B %Y}" in done
    assert "Resume my payments now" in done
    drain(stripe_stand_in)
    assert not entitlement_for(user_id=member.pk).entitled  # benefits pause too

    # The beat task: three days before Stripe resumes it, once.
    assert pause_endings_remind(now=resumes - timedelta(days=4)) == 0
    assert pause_endings_remind(now=resumes - timedelta(days=3) + timedelta(hours=1)) == 1
    assert pause_endings_remind(now=resumes - timedelta(days=2)) == 0
    wait_for(lambda: OutboundEmail.objects.filter(kind="pause_ending", status="sent").exists())
    [reminder] = [m for m in mailbox() if m["Subject"].startswith("Your support resumes on")]
    assert reminder["Subject"] == f"Your support resumes on {resumes:%-d %B %Y}"
    assert reminder["To"] == member.email
    assert "we charge €5 a month again" in text_of(reminder)
    assert OutboundEmail.objects.filter(kind="pause_ending").count() == 1

    # The renewal inside the pause is voided; Stripe resumes by itself at the date.
    stripe_stand_in.advance(days=33)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    membership.refresh_from_db()
    assert (membership.paused, membership.pause_resumes_at, membership.status) == (
        False,
        None,
        "active",
    )
    assert list(Payment.objects.values_list("billing_reason", flat=True)) == ["subscription_create"]
    kinds = [k for k, *_rest in _history(membership)]
    assert kinds == ["started", "paused", "resumed"]
    assert entitlement_for(user_id=member.pk).entitled
    # The next renewal is charged again.
    stripe_stand_in.advance(days=31)  # type: ignore[attr-defined]
    drain(stripe_stand_in)
    assert Payment.objects.filter(billing_reason="subscription_cycle", amount=500).count() == 1
    assert pause_endings_remind(now=resumes - timedelta(days=2)) == 0  # resumed: none


def test_resume_now_and_annual_support_is_not_paused(stripe_stand_in: object) -> None:
    client, _member, _session = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    client.post(f"/account/support/{membership.pk}/pause/", {"months": "2"})
    resumed = client.post(f"/account/support/{membership.pk}/resume/", follow=True)
    assert "Your support and your benefits are on again." in resumed.content.decode()
    membership.refresh_from_db()
    assert membership.paused is False
    sub = gateway.subscription_retrieve(subscription_id=membership.stripe_subscription_id)
    assert sub["pause_collection"] is None

    annual, _m, _s = become_patron(stripe_stand_in, interval="year")
    yearly = Membership.objects.get(interval="year")
    assert "Pause my payments" not in annual.get("/account/support/").content.decode()
    refused = annual.post(f"/account/support/{yearly.pk}/pause/", {"months": "1"})
    assert refused.status_code == 302
    yearly.refresh_from_db()
    assert yearly.paused is False
    drain(stripe_stand_in)


def test_the_card_button_opens_the_card_form_only(stripe_stand_in: object) -> None:
    client, _member, _session = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    opened = client.post(f"/account/support/{membership.pk}/card/")
    assert opened.status_code == 303
    portal = requests.Session()
    portal.trust_env = False
    card_form = portal.get(opened["Location"], timeout=10).text
    assert "update_card" in card_form
    assert 'value="cancel"' not in card_form
    assert client.get(f"/account/support/{membership.pk}/card/").status_code == 405


def test_only_the_member_acts_on_their_membership(stripe_stand_in: object) -> None:
    _owner, _member, _session = become_patron(stripe_stand_in)
    membership = Membership.objects.get()
    stranger, _other = signed_in()
    base = f"/account/support/{membership.pk}"
    for path in ("/change/", "/change/review/?tier=insider&interval=month", "/cancel/", "/pause/"):
        assert stranger.get(base + path).status_code == 404, path
    for path in ("/change/confirm/", "/change/undo/", "/cancel/", "/keep/", "/pause/",
                 "/resume/", "/card/"):  # fmt: skip
        assert stranger.post(base + path, {"months": "1"}).status_code == 404, path
    anonymous = Client().post(base + "/cancel/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    membership.refresh_from_db()
    assert (membership.cancel_at_period_end, membership.paused) == (False, False)

    # A gift has nothing to change at Stripe, even for its own member.
    friend = UserFactory()
    gift = MembershipFactory(
        user=friend, kind="gift", stripe_subscription_id=None, stripe_customer_id=""
    )
    own = Client()
    own.force_login(friend)
    assert own.get(f"/account/support/{gift.pk}/cancel/").status_code == 404
    assert own.post(f"/account/support/{gift.pk}/pause/", {"months": "1"}).status_code == 404
