"""SetupIntents: save a card for later without charging it. The card is checked as a charge
of nothing would be: a declining card fails the setup and is not saved; a card that wants
3-D Secure on setup asks for it."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from fakestripe.cards import REQUIRES_ACTION, Decline, charge_outcome
from fakestripe.charging import attach, card_of, decline_error
from fakestripe.fixtures import blank
from fakestripe.ids import new_id

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


def create_setup_intent(
    rt: Runtime,
    *,
    customer: str | None,
    description: str | None,
    metadata: dict[str, str],
    usage: str = "off_session",
) -> dict[str, Any]:
    si = blank("setup_intent")
    si_id = new_id("seti")
    si.update(
        id=si_id,
        automatic_payment_methods=None,
        client_secret=f"{si_id}_secret_{secrets.token_urlsafe(24)}",
        created=rt.now(),
        customer=customer,
        description=description,
        metadata=metadata,
        payment_method_options={
            "card": {
                "mandate_options": None,
                "network": None,
                "request_three_d_secure": "automatic",
            }
        },
        payment_method_types=["card"],
        status="requires_payment_method",
        usage=usage,
    )
    rt.store.insert(si)
    rt.emit("setup_intent.created", si)
    return si


def outcome(rt: Runtime, pm: dict[str, Any], *, authenticated: bool = False) -> Any:
    """None when the card can be saved, REQUIRES_ACTION, or the Decline."""
    return charge_outcome(card_of(rt, pm), off_session=False, authenticated=authenticated)


def confirm(
    rt: Runtime, si: dict[str, Any], pm: dict[str, Any], *, authenticated: bool = False
) -> Decline | None:
    """Check and save ``pm``. Returns the decline (the setup failed, the intent wants another
    card) or None; a card that wants 3-D Secure leaves the intent ``requires_action``."""
    result = outcome(rt, pm, authenticated=authenticated)
    si["payment_method"] = pm["id"]
    if result == REQUIRES_ACTION:
        si.update(status="requires_action", next_action={"type": "use_stripe_sdk"})
        rt.store.mark_dirty()
        rt.emit("setup_intent.requires_action", si)
        return None
    if result is not None:
        si.update(
            status="requires_payment_method",
            payment_method=None,
            next_action=None,
            last_setup_error={
                "type": "card_error",
                "code": result.code,
                "decline_code": result.decline_code,
                "doc_url": "https://stripe.com/docs/error-codes/" + result.code.replace("_", "-"),
                "message": result.message,
                "payment_method": rt.render(pm),
            },
        )
        rt.store.mark_dirty()
        rt.emit("setup_intent.setup_failed", si)
        return result
    if si["customer"]:
        attach(rt, pm, si["customer"])
    si.update(status="succeeded", next_action=None, last_setup_error=None)
    rt.store.mark_dirty()
    rt.emit("setup_intent.succeeded", si)
    return None


def confirm_or_raise(
    rt: Runtime, si: dict[str, Any], pm: dict[str, Any], *, authenticated: bool = False
) -> None:
    decline = confirm(rt, si, pm, authenticated=authenticated)
    if decline is not None:
        raise decline_error(decline)


def cancel(rt: Runtime, si: dict[str, Any], reason: str | None) -> None:
    si.update(status="canceled", cancellation_reason=reason, next_action=None)
    rt.store.mark_dirty()
    rt.emit("setup_intent.canceled", si)
