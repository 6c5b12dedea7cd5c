"""Customers and card payment methods."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from fakestripe.cards import TestCard
from fakestripe.fixtures import blank, shape
from fakestripe.ids import new_id
from fakestripe.objects import null_address
from fakestripe.params import new_metadata

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


def address_from(params: dict[str, Any] | None) -> dict[str, Any] | None:
    if not params:
        return None
    return {**null_address(), **{k: v for k, v in params.items() if k in null_address()}}


def build_customer(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    customer = blank("customer")
    invoice_settings = params.get("invoice_settings") or {}
    customer.update(
        id=new_id("cus"),
        address=address_from(params.get("address")),
        # Set through fakestripe.balance, which writes the `initial` transaction.
        balance=0,
        created=rt.now(),
        delinquent=False,
        description=params.get("description"),
        email=params.get("email"),
        invoice_prefix=params.get("invoice_prefix") or secrets.token_hex(4).upper(),
        invoice_settings=shape(
            "customer",
            "invoice_settings",
            default_payment_method=invoice_settings.get("default_payment_method"),
            footer=invoice_settings.get("footer"),
        ),
        metadata=new_metadata(params.get("metadata")),
        name=params.get("name"),
        next_invoice_sequence=1,
        phone=params.get("phone"),
        preferred_locales=params.get("preferred_locales") or [],
        tax_exempt=params.get("tax_exempt", "none"),
    )
    return customer


def build_payment_method(
    rt: Runtime,
    card: TestCard,
    *,
    exp_month: int,
    exp_year: int,
    name: str | None = None,
    email: str | None = None,
) -> dict[str, Any]:
    pm = blank("payment_method")
    # The same number always has the same fingerprint, as at Stripe.
    fingerprint = hashlib.sha256(card.number.encode()).hexdigest()[:16]
    pm.update(
        id=new_id("pm"),
        allow_redisplay="unspecified",
        billing_details=shape(
            "payment_method",
            "billing_details",
            address=null_address(),
            email=email,
            name=name,
        ),
        card=shape(
            "payment_method",
            "card",
            brand=card.brand,
            checks=shape(
                "payment_method",
                "card.checks",
                cvc_check="pass",
            ),
            country="US",
            display_brand=card.brand,
            exp_month=exp_month,
            exp_year=exp_year,
            fingerprint=fingerprint,
            funding=card.funding,
            last4=card.number[-4:],
            networks=shape("payment_method", "card.networks", available=[card.brand]),
            three_d_secure_usage={"supported": True},
            regulated_status="unregulated",
        ),
        created=rt.now(),
        metadata={},
        type="card",
    )
    rt.store.insert(pm)
    rt.store.private(pm["id"])["number"] = card.number
    return pm
