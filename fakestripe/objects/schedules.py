"""Subscription schedules and their phases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.fixtures import blank, shape
from fakestripe.ids import new_id
from fakestripe.objects import renderer
from fakestripe.objects.catalog import plan_from_price

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


def build_schedule(
    rt: Runtime,
    *,
    customer: str,
    end_behavior: str,
    metadata: dict[str, str],
    default_payment_method: str | None,
    description: str | None,
) -> dict[str, Any]:
    schedule = blank("subscription_schedule")
    schedule.update(
        id=new_id("sub_sched"),
        created=rt.now(),
        customer=customer,
        test_clock=(rt.store.get("customer", customer) or {}).get("test_clock"),
        default_settings=shape(
            "subscription_schedule",
            "default_settings",
            automatic_tax=shape(
                "subscription_schedule", "default_settings.automatic_tax", enabled=False
            ),
            billing_cycle_anchor="automatic",
            collection_method="charge_automatically",
            default_payment_method=default_payment_method,
            description=description,
            invoice_settings=shape(
                "subscription_schedule",
                "default_settings.invoice_settings",
                issuer={"type": "self"},
            ),
        ),
        end_behavior=end_behavior,
        metadata=metadata,
        phases=[],
        status="not_started",
        billing_mode={"type": "flexible", "flexible": {"proration_discounts": "included"}},
        # endive: pauses planned on the schedule (not implemented: always empty).
        pause_schedules=[],
    )
    return schedule


def build_phase(
    *,
    start: int,
    end: int,
    currency: str,
    items: list[dict[str, Any]],
    proration_behavior: str,
    metadata: dict[str, str],
    description: str | None,
    default_payment_method: str | None,
) -> dict[str, Any]:
    """A phase as the API shows it; ``items`` are ``{price, quantity, metadata}``."""
    return shape(
        "subscription_schedule",
        "phases[]",
        add_invoice_items=[],
        currency=currency,
        default_payment_method=default_payment_method,
        default_tax_rates=[],
        description=description,
        discounts=[],
        end_date=end,
        items=[
            shape(
                "subscription_schedule",
                "phases[].items[]",
                discounts=[],
                metadata=item["metadata"],
                price=item["price"],
                quantity=item["quantity"],
                tax_rates=[],
            )
            for item in items
        ],
        metadata=metadata,
        proration_behavior=proration_behavior,
        start_date=start,
    )


@renderer("subscription_schedule")
def render_schedule(rt: Runtime, schedule: dict[str, Any]) -> dict[str, Any]:
    for phase in schedule["phases"]:
        for item in phase["items"]:
            price = rt.store.get("price", item["price"])
            item["plan"] = plan_from_price(price) if price else None
    return schedule
