"""Changing one's support: another tier, amount or interval, in the subscription's currency.

The member sees what happens before it does (`membership_change_preview`), then confirms it
(`membership_change_confirm`) with the signed preview:

- An upgrade (same interval, the same or a higher amount) applies now: Stripe prorates the rest
  of the period and charges the difference at once (`always_invoice`). The preview is Stripe's
  own (`Invoice.create_preview`), and the confirmation passes the preview's proration instant
  as `proration_date`, so the amount charged is the amount shown. A declined card changes
  nothing (`error_if_incomplete`).
- A downgrade, or any change of interval (monthly <-> annual), waits for the renewal: a
  subscription schedule made from the subscription keeps the current phase to the period's
  end and starts the new price there. Nothing is charged today. "My support" shows it
  (`ScheduledChange`) and the member may undo it (the schedule is released).

A custom amount is a Price of its own, created through the gateway with the tier's Product,
metadata that marks it custom (no `tier_price_id`: see `memberships._state_from_subscription`)
and an idempotency key from the membership and the amount.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _

from billing import gateway
from billing.models import Membership, Tier
from billing.selectors.self_service import scheduled_change_for
from billing.stripe_values import from_unix, object_id

from .common import (
    SelfServiceRefused,
    acting_on,
    provider_error,
    require,
    schedule_release,
    subscription_of,
    synced,
)
from .plans import NOW, Plan, change_plan, when_for

SALT = "billing.self_service.change"
# A preview is good for this long; then the member is shown a fresh one.
PREVIEW_MAX_AGE = 30 * 60


class PreviewExpired(SelfServiceRefused):
    """The signed preview is too old, forged, or the subscription moved on since: show a new
    one for the same choice."""


@dataclass(frozen=True)
class ChangePreview:
    plan: Plan
    when: str  # NOW or AT_RENEWAL
    # NOW: when Stripe prorated (the confirmation prorates at the same instant); AT_RENEWAL:
    # the renewal, when the new plan starts.
    starts_at: datetime
    amount_due: int  # charged today (0 at the renewal)
    credit: int  # the unused time of the current plan, as a negative amount
    charge: int  # the new plan for the rest of the period
    token: str

    @property
    def other(self) -> int:
        """What else today's invoice holds (earlier items, the customer's credit)."""
        return self.amount_due - self.credit - self.charge if self.when == NOW else 0


@dataclass(frozen=True)
class ChangeResult:
    membership: Membership
    when: str
    plan: Plan
    charged: int
    starts_at: datetime


def _price_param(plan: Plan) -> dict[str, Any]:
    """The item's price for a preview: the catalog Price, or the custom amount described (the
    Price itself is created only when the member confirms)."""
    if plan.tier_price is not None:
        return {"price": plan.tier_price.stripe_price_id}
    return {
        "price_data": {
            "currency": plan.currency,
            "product": plan.tier.stripe_product_id,
            "unit_amount": plan.amount,
            "recurring": {"interval": plan.interval},
        }
    }


def _is_proration(line: dict[str, Any]) -> bool:
    parent = line.get("parent") or {}
    details = parent.get("subscription_item_details") or parent.get("invoice_item_details") or {}
    return bool(details.get("proration"))


def membership_change_preview(*, membership: Membership, plan: Plan) -> ChangePreview:
    """What confirming `plan` would do, and a signed token that confirms exactly that.

    Reads only (Stripe's preview creates nothing). Raises SelfServiceRefused when the state
    does not allow a change or Stripe cannot answer.
    """
    require(membership, "change")
    when = when_for(membership=membership, plan=plan)
    try:
        sub = subscription_of(membership)
        item = sub["items"]["data"][0]
        credit = charge = due = 0
        proration_date: int | None = None
        if when == NOW:
            preview = gateway.invoice_preview(
                params={
                    "subscription": sub["id"],
                    "subscription_details": {
                        "items": [{"id": item["id"], **_price_param(plan)}],
                        "proration_behavior": "always_invoice",
                    },
                }
            )
            prorations = [line for line in preview["lines"]["data"] if _is_proration(line)]
            # Stripe prorated at its own "now": the proration lines start there. Confirming
            # with that instant as `proration_date` charges exactly this amount.
            proration_date = min(
                (int(line["period"]["start"]) for line in prorations),
                default=int(preview["created"]),
            )
            credit = sum(int(line["amount"]) for line in prorations if line["amount"] < 0)
            charge = sum(int(line["amount"]) for line in prorations if line["amount"] > 0)
            due = int(preview["amount_due"])
            starts_at = from_unix(proration_date)
        else:
            starts_at = from_unix(item["current_period_end"])
    except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
        raise provider_error(exc) from exc
    assert starts_at is not None
    token = signing.dumps(
        {
            "m": membership.pk,
            "from": item["price"]["id"],
            "tier": plan.tier.pk,
            "i": plan.interval,
            "a": plan.amount,
            "custom": plan.custom,
            "w": when,
            "pd": proration_date,
            "due": due,
            "n": secrets.token_hex(8),
        },
        salt=SALT,
    )
    return ChangePreview(plan, when, starts_at, due, credit, charge, token)


def _custom_price(membership: Membership, plan: Plan) -> str:
    price = gateway.price_create(
        product_id=plan.tier.stripe_product_id,
        currency=plan.currency,
        unit_amount=plan.amount,
        interval=plan.interval,
        # No `tier_price_id`: what marks a Price as the member's own amount.
        metadata={
            "custom_amount": "true",
            "tier_id": str(plan.tier.pk),
            "membership_id": str(membership.pk),
        },
        idempotency_key=(
            f"custom-price-m{membership.pk}-t{plan.tier.pk}-{plan.currency}-{plan.interval}"
            f"-{plan.amount}"
        ),
    )
    return str(price["id"])


def _unsigned(membership: Membership, token: str) -> dict[str, Any]:
    expired = PreviewExpired(
        _("That preview is no longer current. Here is the change as it stands now.")
    )
    try:
        data = signing.loads(token, salt=SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature as exc:  # also SignatureExpired
        raise expired from exc
    if not isinstance(data, dict) or data.get("m") != membership.pk:
        raise expired
    return data


def plan_from_token(*, membership: Membership, token: str) -> tuple[Plan, dict[str, Any]]:
    """The plan a signed preview was for, checked against today's catalog (a price that
    changed since the preview means a new preview)."""
    data = _unsigned(membership, token)
    tier = Tier.objects.filter(pk=data["tier"]).first()
    plan = change_plan(
        membership=membership,
        tier=tier,
        interval=data["i"],
        amount=data["a"] if data["custom"] else None,
    )
    if plan.amount != data["a"] or when_for(membership=membership, plan=plan) != data["w"]:
        raise PreviewExpired(
            _("That preview is no longer current. Here is the change as it stands now.")
        )
    return plan, data


def membership_change_confirm(*, membership: Membership, token: str) -> ChangeResult:
    """Make the change a signed preview showed, at Stripe, then copy it back.

    Now: the item's price is switched with the preview's `proration_date` and charged at once
    (a declined card changes nothing). At the renewal: the subscription's schedule is set to
    the new price from the period's end. Under the subscription's lock, so a repeated
    confirmation (a double click) finds the change made and does nothing more; the update
    also carries an idempotency key from the preview. Raises PreviewExpired (show a new
    preview) or SelfServiceRefused.
    """
    data = _unsigned(membership, token)
    with acting_on(membership):
        done = _done_already(membership, data)
        if done is not None:
            return done
        require(membership, "change")
        plan, data = plan_from_token(membership=membership, token=token)
        try:
            sub = subscription_of(membership)
            item = sub["items"]["data"][0]
            if item["price"]["id"] != data["from"]:
                raise PreviewExpired(
                    _(
                        "Your support changed since that preview. Here is the change as it "
                        "stands now."
                    )
                )
            price_id = (
                plan.tier_price.stripe_price_id
                if plan.tier_price
                else _custom_price(membership, plan)
            )
            if data["w"] == NOW:
                schedule_release(sub)
                gateway.subscription_update(
                    subscription_id=sub["id"],
                    params={
                        "items": [{"id": item["id"], "price": price_id}],
                        "proration_behavior": "always_invoice",
                        "proration_date": data["pd"],
                        "payment_behavior": "error_if_incomplete",
                    },
                    idempotency_key=f"change-now-{membership.pk}-{data['n']}",
                )
            else:
                _schedule_at_renewal(sub, price_id=price_id, plan=plan, key=data["n"])
        except gateway.GatewayError as exc:
            if exc.param == "proration_date":  # the period renewed since the preview
                raise PreviewExpired(
                    _("A new billing period has started. Here is the change as it stands now.")
                ) from exc
            raise provider_error(exc) from exc
        except gateway.GatewayUnavailable as exc:
            raise provider_error(exc) from exc
        return _result(synced(membership), plan, data)


def _done_already(membership: Membership, data: dict[str, Any]) -> ChangeResult | None:
    """The change this preview confirms is what the membership (or its scheduled change)
    already is: a second submission of the same confirmation."""
    target = (data["tier"], data["a"], data["i"])
    if data["w"] == NOW:
        done = (membership.tier_id, membership.amount, membership.interval) == target
    else:
        scheduled = scheduled_change_for(membership=membership)
        done = (
            scheduled is not None
            and (scheduled.tier_id, scheduled.amount, scheduled.interval) == target
        )
    tier = Tier.objects.filter(pk=data["tier"]).first()
    if not done or tier is None:
        return None
    plan = Plan(tier, data["i"], data["a"], membership.currency, None)
    return _result(membership, plan, data)


def _result(membership: Membership, plan: Plan, data: dict[str, Any]) -> ChangeResult:
    if data["w"] == NOW:
        starts_at = from_unix(data["pd"])
    else:
        scheduled = scheduled_change_for(membership=membership)
        starts_at = scheduled.starts_at if scheduled else membership.current_period_end
    assert starts_at is not None
    return ChangeResult(membership, data["w"], plan, int(data["due"]), starts_at)


def _schedule_at_renewal(sub: dict[str, Any], *, price_id: str, plan: Plan, key: str) -> None:
    """Two phases: the current one to the period's end, then `price_id` (one period, after
    which the schedule lets go and the subscription renews at the new price by itself)."""
    if sub.get("schedule"):
        schedule = gateway.subscription_schedule_retrieve(schedule_id=object_id(sub["schedule"]))
        phases = schedule.get("phases") or []
        if len(phases) > 1 and object_id(phases[-1]["items"][0]["price"]) == price_id:
            return  # set already: a repeated confirmation
        schedule_release(sub)
    schedule = gateway.subscription_schedule_create(
        subscription_id=sub["id"], idempotency_key=f"schedule-{sub['id']}-{key}"
    )
    current = schedule["phases"][0]
    try:
        gateway.subscription_schedule_update(
            schedule_id=schedule["id"],
            params={
                "phases": [
                    {
                        "items": [
                            {"price": object_id(i["price"]), "quantity": i.get("quantity") or 1}
                            for i in current["items"]
                        ],
                        "start_date": current["start_date"],
                        "end_date": current["end_date"],
                    },
                    {
                        "items": [{"price": price_id, "quantity": 1}],
                        "duration": {"interval": plan.interval, "interval_count": 1},
                    },
                ],
                "end_behavior": "release",
                "proration_behavior": "none",
            },
        )
    except (gateway.GatewayError, gateway.GatewayUnavailable):
        # A schedule of one phase would only let go at the renewal; let go of it now.
        gateway.subscription_schedule_release(schedule_id=schedule["id"])
        raise


def membership_change_undo(*, membership: Membership) -> Membership:
    """Drop the change set for the renewal: the schedule is released and the membership goes
    on as it is now. Idempotent (nothing to release is fine)."""
    with acting_on(membership):
        require(membership, "undo_change")
        try:
            schedule_release(subscription_of(membership))
        except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
            raise provider_error(exc) from exc
        return synced(membership)
