"""Checkout sessions and their line items (``item`` objects)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.fixtures import blank, shape
from fakestripe.ids import new_id
from fakestripe.objects import null_address, renderer
from fakestripe.params import new_metadata
from fakestripe.tracking import touch

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

DAY = 86_400


def build_session(
    rt: Runtime,
    params: dict[str, Any],
    *,
    amount_total: int | None,
    currency: str,
) -> dict[str, Any]:
    session = blank("checkout.session")
    now = rt.now()
    # The schema lets only `enabled: false`, card and the hosted page through: exactly what
    # the session below is.
    touch(
        params,
        "automatic_tax",
        "adaptive_pricing",
        "phone_number_collection",
        "managed_payments",
        "invoice_creation",
        "tax_id_collection",
        "allowed_payment_method_types",
        "ui_mode",
    )
    session.update(
        id=new_id("cs_test"),
        amount_subtotal=amount_total,
        amount_total=amount_total,
        automatic_tax=shape("checkout.session", "automatic_tax", enabled=False),
        billing_address_collection=params.get("billing_address_collection"),
        cancel_url=params.get("cancel_url"),
        client_reference_id=params.get("client_reference_id"),
        created=now,
        currency=currency,
        custom_fields=[],
        customer=params.get("customer"),
        customer_creation=(
            params.get("customer_creation", "if_required")
            if params["mode"] in {"payment", "setup"} and not params.get("customer")
            else None
        ),
        customer_email=params.get("customer_email"),
        expires_at=params.get("expires_at") or now + DAY,
        locale=params.get("locale"),
        metadata=new_metadata(params.get("metadata")),
        mode=params["mode"],
        payment_method_collection=params.get("payment_method_collection", "always"),
        payment_method_options={},
        payment_method_types=["card"],
        payment_status="unpaid",
        phone_number_collection={"enabled": False},
        shipping_options=[],
        status="open",
        submit_type=params.get("submit_type"),
        success_url=params.get("success_url"),
        total_details=shape(
            "checkout.session",
            "total_details",
            amount_discount=0,
            amount_shipping=0,
            amount_tax=0,
        )
        if amount_total is not None
        else None,
        ui_mode="hosted_page",
        adaptive_pricing={"enabled": False},
        managed_payments={"enabled": False},
    )
    return session


@renderer("checkout.session")
def render_session(rt: Runtime, session: dict[str, Any]) -> dict[str, Any]:
    # The hosted page only exists while the session can still be paid.
    session["url"] = f"{rt.base_url}/c/pay/{session['id']}" if session["status"] == "open" else None
    return session


def customer_details(email: str | None, name: str | None) -> dict[str, Any]:
    return shape(
        "checkout.session",
        "customer_details",
        address=null_address(),
        email=email,
        name=name,
        tax_exempt="none",
        tax_ids=[],
        individual_name=name,
    )


def build_item(rt: Runtime, price: dict[str, Any], quantity: int) -> dict[str, Any]:
    item = blank("item")
    product = rt.store.get("product", price["product"])
    amount = price["unit_amount"] * quantity
    item.update(
        id=new_id("li"),
        amount_discount=0,
        amount_subtotal=amount,
        amount_tax=0,
        amount_total=amount,
        currency=price["currency"],
        description=product["name"] if product else None,
        price=price["id"],
        quantity=quantity,
        metadata={},
    )
    return item


@renderer("item")
def render_item(rt: Runtime, item: dict[str, Any]) -> dict[str, Any]:
    price = rt.store.get("price", item["price"])
    if price is not None:
        item["price"] = rt.render(price)
    return item


def session_items(rt: Runtime, session: dict[str, Any]) -> list[dict[str, Any]]:
    return [rt.render(i) for i in rt.store.private(session["id"]).get("line_items", [])]
