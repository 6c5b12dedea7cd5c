"""Parameter tables of ``/v1/subscription_schedules`` (also used by invoice previews)."""

from __future__ import annotations

from typing import Any

from fakestripe.api.checkout_schema import only_false
from fakestripe.api.subscription_schema import PRORATION_BEHAVIORS, price_data_field
from fakestripe.params import (
    Array,
    Bool,
    Currency,
    Hash,
    Int,
    Metadata,
    Moment,
    Range,
    Str,
    endpoint,
    list_endpoint,
)


def phase_field(*, update: bool) -> Hash:
    """A phase; on create only ``end_date`` (timestamps), on update ``start_date`` too, and
    either may be ``now``."""
    moment = Moment(minimum=0) if update else Int(minimum=0)
    fields: dict[str, Any] = {"end_date": moment}
    if update:
        fields["start_date"] = Moment(minimum=0)
    return Hash({**_PHASE_FIELDS, **fields}, required=("items",), unsupported=_PHASE_REFUSED)


_PHASE_FIELDS = {
    "items": Array(
        Hash(
            {
                "price": Str(max_length=255),
                "price_data": price_data_field(),
                "quantity": Int(minimum=1, maximum=999_999),
                "metadata": Metadata(),
            },
            unsupported=("billing_thresholds", "discounts", "plan", "tax_rates"),
        ),
        max_items=20,
    ),
    "duration": Hash(
        {
            "interval": Str(choices=("day", "week", "month", "year")),
            "interval_count": Int(minimum=1, maximum=365),
        },
        required=("interval",),
    ),
    "proration_behavior": Str(choices=PRORATION_BEHAVIORS),
    "metadata": Metadata(),
    "description": Str(max_length=500, emptyable=True),
    "default_payment_method": Str(max_length=255),
    "currency": Currency(),
    "collection_method": Str(choices=("charge_automatically",), refused=("send_invoice",)),
    "automatic_tax": only_false("liability"),
    "billing_cycle_anchor": Str(choices=("automatic",), refused=("phase_start",)),
}
_PHASE_REFUSED = (
    "add_invoice_items",
    "application_fee_percent",
    "billing_thresholds",
    "default_tax_rates",
    "discounts",
    "invoice_settings",
    "on_behalf_of",
    "transfer_data",
    "trial",
    "trial_end",
)

_DEFAULT_SETTINGS = Hash(
    {
        "default_payment_method": Str(max_length=255),
        "description": Str(max_length=500, emptyable=True),
        "collection_method": Str(choices=("charge_automatically",), refused=("send_invoice",)),
        "automatic_tax": only_false("liability"),
        "billing_cycle_anchor": Str(choices=("automatic",), refused=("phase_start",)),
    },
    unsupported=(
        "application_fee_percent",
        "billing_thresholds",
        "invoice_settings",
        "on_behalf_of",
        "transfer_data",
    ),
)

_END_BEHAVIOR = Str(choices=("cancel", "release"), refused=("none", "renew"))
_BILLING_MODE = Hash(
    {
        "type": Str(choices=("flexible",), refused=("classic",)),
        "flexible": Hash(
            {"proration_discounts": Str(choices=("included",), refused=("itemized",))}
        ),
    },
    required=("type",),
)

CREATE = endpoint(
    {
        "customer": Str(max_length=255),
        "from_subscription": Str(max_length=255),
        "phases": Array(phase_field(update=False), max_items=10),
        "start_date": Moment(minimum=0),
        "end_behavior": _END_BEHAVIOR,
        "metadata": Metadata(),
        "default_settings": _DEFAULT_SETTINGS,
        "billing_mode": _BILLING_MODE,
    },
    unsupported=("customer_account", "pause_schedules"),
)


UPDATE = endpoint(
    {
        "phases": Array(phase_field(update=True), max_items=10),
        "end_behavior": _END_BEHAVIOR,
        "metadata": Metadata(),
        "default_settings": _DEFAULT_SETTINGS,
        "proration_behavior": Str(choices=PRORATION_BEHAVIORS),
    },
    unsupported=("pause_schedules",),
)


LIST = list_endpoint(
    {
        "customer": Str(max_length=255),
        "canceled_at": Range(),
        "completed_at": Range(),
        "released_at": Range(),
        "scheduled": Bool(),
    },
    unsupported=("customer_account",),
)
