"""The parameter table of ``POST /v1/checkout/sessions``: what is implemented, and every other
parameter and value Stripe accepts there, refused."""

from __future__ import annotations

from typing import Any

from fakestripe.errors import invalid
from fakestripe.params import (
    Amount,
    Array,
    Bool,
    Currency,
    Email,
    Field,
    Hash,
    Int,
    Metadata,
    Str,
    Url,
    endpoint,
    words,
)
from fakestripe.trials_schema import trial_settings_field

PAYMENT_METHOD_TYPES = words(
    "acss_debit affirm afterpay_clearpay alipay alma amazon_pay au_becs_debit bacs_debit "
    "bancontact billie bizum blik boleto card cashapp crypto customer_balance eps fpx giropay "
    "grabpay ideal kakao_pay klarna konbini kr_card link mb_way mobilepay multibanco "
    "naver_pay nz_bank_account oxxo p24 pay_by_bank payco paynow paypal paypay payto pix "
    "promptpay revolut_pay samsung_pay satispay scalapay sepa_debit sequra sofort sunbit "
    "swish twint upi us_bank_account wechat_pay zip"
)
LOCALES = words(
    "auto bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hi-IN hr hu id it ja ko lt lv "
    "ms mt nb nl pl pt pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW"
)


class Gone(Field):
    """A parameter this API version removed; Stripe answers it with its own error."""

    def __init__(self, message: str, code: str) -> None:
        self.message = message
        self.code = code

    def clean(self, value: Any, path: str) -> Any:
        raise invalid(self.message, param=path, code=self.code)


def only_false(*unsupported: str) -> Hash:
    """``{enabled: false}``: the stand-in's behaviour; ``enabled=true`` is not implemented."""
    return Hash({"enabled": Bool(only=False)}, unsupported=unsupported)


_PRODUCT_DATA = Hash(
    {
        "name": Str(max_length=250),
        "description": Str(max_length=40_000),
        "images": Array(Url(), max_items=8),
        "metadata": Metadata(),
        "tax_code": Str(max_length=100),
        "unit_label": Str(max_length=12),
    },
    required=("name",),
    unsupported=("tax_details",),
)

_PRICE_DATA = Hash(
    {
        "currency": Currency(),
        "unit_amount": Amount(),
        "product": Str(max_length=255),
        "product_data": _PRODUCT_DATA,
        "recurring": Hash(
            {
                "interval": Str(choices=("day", "week", "month", "year")),
                "interval_count": Int(minimum=1, maximum=365),
            },
            required=("interval",),
        ),
        "tax_behavior": Str(choices=("exclusive", "inclusive", "unspecified")),
    },
    required=("currency",),
    unsupported=("unit_amount_decimal",),
)

_LINE_ITEM = Hash(
    {
        "price": Str(max_length=255),
        "price_data": _PRICE_DATA,
        "quantity": Int(minimum=1, maximum=999_999),
    },
    unsupported=("adjustable_quantity", "tax_rates", "metadata"),
)

_SUBSCRIPTION_DATA = Hash(
    {
        "metadata": Metadata(),
        "description": Str(max_length=500),
        "trial_period_days": Int(minimum=1, maximum=730),
        "trial_end": Int(minimum=0),
        "trial_settings": trial_settings_field(anchor=False),
        "billing_mode": Hash(
            {
                "type": Str(choices=("flexible",), refused=("classic",)),
                "flexible": Hash(
                    {"proration_discounts": Str(choices=("included",), refused=("itemized",))}
                ),
            },
            required=("type",),
        ),
    },
    unsupported=(
        "billing_cycle_anchor",
        "billing_cycle_anchor_config",
        "proration_behavior",
        "default_tax_rates",
        "application_fee_percent",
        "on_behalf_of",
        "transfer_data",
        "invoice_settings",
        "pending_invoice_item_interval",
    ),
)

_PAYMENT_INTENT_DATA = Hash(
    {
        "metadata": Metadata(),
        "description": Str(max_length=1000),
        "receipt_email": Email(),
        "setup_future_usage": Str(choices=("on_session", "off_session")),
        "statement_descriptor": Str(max_length=22),
        "statement_descriptor_suffix": Str(max_length=22),
    },
    unsupported=(
        "capture_method",
        "application_fee_amount",
        "on_behalf_of",
        "transfer_data",
        "transfer_group",
        "shipping",
    ),
)

CREATE = endpoint(
    {
        "mode": Str(choices=("payment", "setup", "subscription")),
        "setup_intent_data": Hash(
            {"description": Str(max_length=1000), "metadata": Metadata()},
            unsupported=("on_behalf_of",),
        ),
        "line_items": Array(_LINE_ITEM, max_items=20),
        "customer": Str(max_length=255),
        "customer_email": Email(),
        "customer_creation": Str(choices=("always", "if_required")),
        "client_reference_id": Str(max_length=200),
        "metadata": Metadata(),
        "subscription_data": _SUBSCRIPTION_DATA,
        "payment_intent_data": _PAYMENT_INTENT_DATA,
        "success_url": Url(allow_template=True),
        "cancel_url": Url(),
        "expires_at": Int(minimum=0),
        "locale": Str(choices=LOCALES),
        "billing_address_collection": Str(choices=("auto",), refused=("required",)),
        "payment_method_collection": Str(choices=("always", "if_required")),
        "submit_type": Str(choices=("auto", "book", "donate", "pay", "subscribe")),
        "ui_mode": Str(choices=("hosted_page",), refused=("embedded_page", "elements", "form")),
        "currency": Currency(),
        "allowed_payment_method_types": Array(
            Str(choices=("card",), refused=[t for t in PAYMENT_METHOD_TYPES if t != "card"])
        ),
        "automatic_tax": only_false("liability"),
        "adaptive_pricing": only_false(),
        "phone_number_collection": only_false(),
        "managed_payments": only_false(),
        "invoice_creation": only_false("invoice_data"),
        "tax_id_collection": only_false("required"),
        "allow_promotion_codes": Bool(),
        "discounts": Array(
            Hash({"coupon": Str(max_length=255), "promotion_code": Str(max_length=255)}),
            max_items=1,
        ),
        "payment_method_types": Gone(
            "The `payment_method_types` parameter is no longer supported on this API version. "
            "Use `allowed_payment_method_types` or `excluded_payment_method_types` instead.",
            "payment_method_types_no_longer_supported",
        ),
    },
    required=("mode",),
    unsupported=(
        "after_expiration",
        "branding_settings",
        "consent_collection",
        "custom_fields",
        "custom_text",
        "customer_account",
        "customer_update",
        "excluded_payment_method_types",
        "integration_identifier",
        "name_collection",
        "optional_items",
        "origin_context",
        "payment_method_configuration",
        "payment_method_data",
        "payment_method_options",
        "permissions",
        "redirect_on_completion",
        "return_url",
        "saved_payment_method_options",
        "shipping_address_collection",
        "shipping_options",
        "wallet_options",
    ),
)
