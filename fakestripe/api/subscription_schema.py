"""Parameter tables of ``/v1/subscriptions``: what is implemented, and every other parameter and
value Stripe accepts there, refused."""

from __future__ import annotations

from fakestripe.api.checkout_schema import only_false
from fakestripe.api.subscription_discounts import discounts_field
from fakestripe.params import (
    Amount,
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
from fakestripe.trials_schema import trial_settings_field

PRORATION_BEHAVIORS = ("create_prorations", "always_invoice", "none")
FEEDBACK = (
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
)
STATUSES = (
    "active",
    "all",
    "canceled",
    "ended",
    "incomplete",
    "incomplete_expired",
    "past_due",
    "paused",
    "trialing",
    "unpaid",
)
# `cancel_at` also takes these words; the stand-in implements a timestamp only.
CANCEL_AT_WORDS = ("max_billed_until", "max_period_end", "min_period_end")

_NOT_IMPLEMENTED = (
    "add_invoice_items",
    "application_fee_percent",
    "billing_schedules",
    "billing_thresholds",
    "days_until_due",
    "default_source",
    "default_tax_rates",
    "invoice_settings",
    "on_behalf_of",
    "payment_settings",
    "pending_invoice_item_interval",
    "transfer_data",
    # Prices have no trial_period_days here, so there is no plan trial to take.
    "trial_from_plan",
)


def price_data_field() -> Hash:
    """An inline price (``items[][price_data]``), created archived as at Stripe."""
    return Hash(
        {
            "currency": Currency(),
            "product": Str(max_length=255),
            "recurring": Hash(
                {
                    "interval": Str(choices=("day", "week", "month", "year")),
                    "interval_count": Int(minimum=1, maximum=365),
                },
                required=("interval",),
            ),
            "unit_amount": Amount(),
            "tax_behavior": Str(choices=("exclusive", "inclusive", "unspecified")),
        },
        required=("currency", "product", "recurring", "unit_amount"),
        unsupported=("unit_amount_decimal",),
    )


def billing_mode_field() -> Hash:
    return Hash(
        {
            "type": Str(choices=("flexible",), refused=("classic",)),
            "flexible": Hash(
                {"proration_discounts": Str(choices=("included",), refused=("itemized",))}
            ),
        },
        required=("type",),
    )


def anchor_field() -> Hash:
    return Hash({"type": Str(choices=("now", "unchanged"))}, required=("type",))


def cancellation_details_field() -> Hash:
    return Hash(
        {
            "comment": Str(max_length=5000, emptyable=True),
            "feedback": Str(choices=FEEDBACK, emptyable=True),
        },
        unsupported=("feedback_option",),
    )


def items_field(*, update: bool) -> Array:
    fields = {
        "price": Str(max_length=255),
        "price_data": price_data_field(),
        "quantity": Int(minimum=0 if update else 1, maximum=999_999),
        "metadata": Metadata(),
    }
    if update:
        fields.update(id=Str(max_length=255), deleted=Bool())
    unsupported = ["billing_thresholds", "current_trial", "discounts", "plan", "tax_rates"]
    if update:
        unsupported.append("clear_usage")
    return Array(Hash(fields, unsupported=unsupported), max_items=20)


LIST = list_endpoint(
    {
        "customer": Str(max_length=255),
        "price": Str(max_length=255),
        "status": Str(choices=STATUSES),
        "collection_method": Str(choices=("charge_automatically", "send_invoice")),
        "current_period_end": Range(),
        "current_period_start": Range(),
        "test_clock": Str(max_length=255),
    },
    unsupported=("plan", "automatic_tax", "customer_account"),
)

CREATE = endpoint(
    {
        "customer": Str(max_length=255),
        "items": items_field(update=False),
        "currency": Currency(),
        "default_payment_method": Str(max_length=255),
        "metadata": Metadata(),
        "description": Str(max_length=500),
        "payment_behavior": Str(
            choices=("allow_incomplete", "default_incomplete", "error_if_incomplete"),
            refused=("pending_if_incomplete",),
        ),
        "off_session": Bool(),
        "cancel_at_period_end": Bool(),
        "cancel_at": Int(minimum=0, refused=CANCEL_AT_WORDS),
        "collection_method": Str(choices=("charge_automatically",), refused=("send_invoice",)),
        "automatic_tax": only_false("liability"),
        "billing_mode": billing_mode_field(),
        "trial_end": Moment(minimum=0),
        "trial_period_days": Int(minimum=0, maximum=730),
        "discounts": discounts_field(update=False),
        "trial_settings": trial_settings_field(),
    },
    required=("customer", "items"),
    unsupported=(
        *_NOT_IMPLEMENTED,
        "backdate_start_date",
        "billing_cycle_anchor",
        "billing_cycle_anchor_config",
        "customer_account",
        "proration_behavior",
    ),
)

UPDATE = endpoint(
    {
        "items": items_field(update=True),
        "proration_behavior": Str(choices=PRORATION_BEHAVIORS),
        "proration_date": Int(minimum=0),
        "cancel_at_period_end": Bool(),
        "cancel_at": Int(minimum=0, emptyable=True, refused=CANCEL_AT_WORDS),
        "pause_collection": Hash(
            {
                "behavior": Str(choices=("keep_as_draft", "mark_uncollectible", "void")),
                "resumes_at": Int(minimum=0),
            },
            required=("behavior",),
            emptyable=True,
        ),
        "metadata": Metadata(),
        "default_payment_method": Str(max_length=255, emptyable=True),
        "description": Str(max_length=500, emptyable=True),
        "cancellation_details": cancellation_details_field(),
        "payment_behavior": Str(
            choices=("allow_incomplete", "error_if_incomplete"),
            refused=("default_incomplete", "pending_if_incomplete"),
        ),
        "billing_cycle_anchor": anchor_field(),
        "off_session": Bool(),
        "collection_method": Str(choices=("charge_automatically",), refused=("send_invoice",)),
        "automatic_tax": only_false("liability"),
        "trial_end": Moment(minimum=0),
        "discounts": discounts_field(update=True),
        "trial_settings": trial_settings_field(),
    },
    unsupported=_NOT_IMPLEMENTED,
)

CANCEL = endpoint(
    {"cancellation_details": cancellation_details_field(), "invoice_now": Bool(), "prorate": Bool()}
)


def pause_bill_for_field() -> Hash:
    def kind(*values: str) -> Hash:
        return Hash({"type": Str(choices=values)}, required=("type",))

    return Hash(
        {
            # Metered usage is not implemented, so there is never outstanding usage to bill:
            # both answers mean the same here.
            "outstanding_usage_through": kind("none", "now"),
            "unused_time_from": kind("item_current_period_start", "none", "now"),
        }
    )


PAUSE = endpoint(
    {
        "type": Str(choices=("subscription",)),
        "bill_for": pause_bill_for_field(),
        "invoicing_behavior": Str(choices=("invoice", "pending_invoice_item")),
    }
)

PAYMENT_BEHAVIORS_ON_RESUME = ("resume_on_payment_attempt", "resume_on_payment_success")

RESUME = endpoint(
    {
        "billing_cycle_anchor": anchor_field(),
        "payment_behavior": Str(choices=PAYMENT_BEHAVIORS_ON_RESUME),
        "proration_behavior": Str(choices=PRORATION_BEHAVIORS),
        "proration_date": Int(minimum=0),
    }
)

ITEMS_LIST = list_endpoint(
    {"subscription": Str(max_length=255)}, created=False, required=("subscription",)
)
