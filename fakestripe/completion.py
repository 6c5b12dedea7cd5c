"""What happens after a checkout session's payment succeeded, step by step, as at Stripe.

Since API version basil, Checkout creates a subscription only after the payment succeeded
(changelog 2025-03-31 ``checkout-legacy-subscription-upgrade``): the payment intent is charged
first, without an invoice; then the session is complete and the subscription is created
``incomplete`` with a draft first invoice; the invoice is finalized, the payment is applied to
it (``invoice_payment.paid``, ``invoice.paid``), the subscription becomes ``active``, and
``checkout.session.completed`` is sent last. These are separate changes at Stripe, so each step
here takes the store lock on its own and real time passes between them: a concurrent refetch
(a webhook handler, the success page) can see every state in between, as it could at Stripe.

A pending completion is kept with the session, so a server restarted half-way finishes it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fakestripe import checkout_discounts
from fakestripe.charging import attach
from fakestripe.invoicing import activate_subscription, apply_payment, finalize
from fakestripe.objects.checkout import customer_details
from fakestripe.objects.customers import build_customer
from fakestripe.params import new_metadata
from fakestripe.subscriptions import ItemSpec, create_subscription

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

log = logging.getLogger("fakestripe.checkout")

SUBSCRIPTION_STEPS = ("subscribe", "finalize", "apply_payment", "activate")
PAYMENT_STEPS = ("complete",)

Step = Callable[["Runtime", dict[str, Any], dict[str, Any]], None]


def begin_completion(
    rt: Runtime,
    session: dict[str, Any],
    *,
    pm: dict[str, Any] | None,
    pi: dict[str, Any] | None,
    email: str,
    name: str | None,
    authenticated: bool,
) -> None:
    """The payment went through: the customer exists from now on (Checkout creates it only
    for a successful payment) and the card is attached; the rest is queued."""
    customer = rt.store.get("customer", session["customer"])
    wants_customer = session["mode"] == "subscription" or session["customer_creation"] == "always"
    if customer is None and wants_customer:
        customer = rt.store.insert(build_customer(rt, {"email": email, "name": name}))
        rt.emit("customer.created", customer)
    if customer is not None and pm is not None:
        attach(rt, pm, customer["id"])
        si = rt.store.get("setup_intent", session["setup_intent"])
        if si is not None:
            si["customer"] = customer["id"]
        if pi is not None and pi["customer"] is None:
            pi["customer"] = customer["id"]
            charge = rt.store.get("charge", pi["latest_charge"])
            if charge is not None:
                charge["customer"] = customer["id"]
    private = rt.store.private(session["id"])
    private.pop("pending_authentication", None)
    private["completion"] = {
        # Payment and setup mode only have the session left to complete.
        "steps": list(SUBSCRIPTION_STEPS if session["mode"] == "subscription" else PAYMENT_STEPS),
        "customer": customer["id"] if customer else None,
        "payment_method": pm["id"] if pm else None,
        "payment_intent": pi["id"] if pi else None,
        "email": email,
        "name": name,
        "authenticated": authenticated,
    }
    rt.store.mark_dirty()


def run_completion(rt: Runtime, session_id: str, *, step_seconds: float) -> None:
    """Run the queued steps, each under the lock on its own, ``step_seconds`` apart."""
    while True:
        if step_seconds > 0:
            time.sleep(step_seconds)
        with rt.store.lock:
            session = rt.store.get("checkout.session", session_id)
            private = rt.store.private(session_id)
            state = private.get("completion")
            if session is None or not state:
                return
            name = state["steps"].pop(0)
            try:
                STEPS[name](rt, session, state)
            except Exception:
                log.exception("fakestripe: completing %s failed at %s", session_id, name)
                private.pop("completion", None)
                raise
            if not state["steps"]:
                private.pop("completion", None)
            rt.store.mark_dirty()
            if not state["steps"]:
                return


def resume_completions(rt: Runtime) -> None:
    """Finish completions a previous process left half-way (at start-up)."""
    with rt.store.lock:
        pending = [
            s["id"]
            for s in rt.store.all("checkout.session")
            if rt.store.private(s["id"]).get("completion")
        ]
    for session_id in pending:
        run_completion(rt, session_id, step_seconds=0)


def pending(rt: Runtime, session_id: str) -> bool:
    return bool(rt.store.private(session_id).get("completion"))


# --- steps --------------------------------------------------------------------------------


def _complete_session(rt: Runtime, session: dict[str, Any], state: dict[str, Any]) -> None:
    session.update(
        status="complete",
        payment_status="no_payment_required" if session["mode"] == "setup" else "paid",
        customer=state["customer"],
        customer_details=customer_details(state["email"], state["name"]),
        collected_information={
            "business_name": None,
            "individual_name": None,
            "shipping_details": None,
        },
    )


def _subscribe(rt: Runtime, session: dict[str, Any], state: dict[str, Any]) -> None:
    private = rt.store.private(session["id"])
    customer = rt.store.require("customer", state["customer"])
    items = [
        ItemSpec(rt.store.require("price", item["price"]), item["quantity"])
        for item in private["line_items"]
    ]
    subscription_data = private.get("subscription_data") or {}
    _complete_session(rt, session, state)
    settings = (subscription_data.get("trial_settings") or {}).get("end_behavior") or {}
    sub, invoice = create_subscription(
        rt,
        customer=customer,
        items=items,
        metadata=new_metadata(subscription_data.get("metadata")),
        default_payment_method=state["payment_method"],
        description=subscription_data.get("description"),
        finalize_now=False,
        trial_end=subscription_data.get("trial_end"),
        missing_payment_method=settings.get("missing_payment_method", "create_invoice"),
        discounts=checkout_discounts.redeemable(rt, session),
    )
    session.update(subscription=sub["id"], invoice=invoice["id"])


def _finalize(rt: Runtime, session: dict[str, Any], state: dict[str, Any]) -> None:
    invoice = rt.store.require("invoice", session["invoice"])
    if invoice["status"] == "draft":
        finalize(rt, invoice, recover=False)


def _apply_payment(rt: Runtime, session: dict[str, Any], state: dict[str, Any]) -> None:
    invoice = rt.store.require("invoice", session["invoice"])
    pi = rt.store.get("payment_intent", state["payment_intent"])
    if invoice["status"] == "open":
        apply_payment(rt, invoice, pi)


def _activate(rt: Runtime, session: dict[str, Any], state: dict[str, Any]) -> None:
    invoice = rt.store.require("invoice", session["invoice"])
    activate_subscription(rt, invoice)
    rt.emit("checkout.session.completed", session)


def _complete_payment(rt: Runtime, session: dict[str, Any], state: dict[str, Any]) -> None:
    _complete_session(rt, session, state)
    checkout_discounts.redeem_on_payment(rt, session)
    rt.emit("checkout.session.completed", session)


STEPS: dict[str, Step] = {
    "subscribe": _subscribe,
    "finalize": _finalize,
    "apply_payment": _apply_payment,
    "activate": _activate,
    "complete": _complete_payment,
}
