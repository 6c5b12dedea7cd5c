"""Hosted pages: checkout (with a 3-D Secure step), the billing portal, invoices, receipts.

They are plain HTML forms (no JavaScript) so that tests can drive them with an HTTP client and
people can use them in any browser. Every POST answers with a redirect or a re-rendered page.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from flask import Blueprint, Response, g, render_template, request

from fakestripe.api.base import runtime
from fakestripe.cards import CARDS
from fakestripe.money import format_amount
from fakestripe.periods import fmt_date

bp = Blueprint("hosted", __name__)


@bp.before_request
def _enter_test_clock() -> None:
    """A page about an object on a test clock runs in the clock's time."""
    from fakestripe.portal import session_for_token
    from fakestripe.test_clocks import clock_for, scope

    rt = runtime()
    args = dict(request.view_args or {})
    with rt.store.lock:
        token = args.pop("token", None)
        session = session_for_token(rt, token) if token else None
        clock = clock_for(rt, [*args.values(), session["customer"] if session else None])
    g.clock_stack = ExitStack()
    g.clock_stack.enter_context(scope(rt, clock))


@bp.teardown_request
def _leave_test_clock(exc: BaseException | None) -> None:
    stack = g.pop("clock_stack", None)
    if stack is not None:
        stack.close()


def page(template: str, status: int = 200, **context: Any) -> Response:
    rt = runtime()
    html = render_template(template, business_name=rt.settings.business_name, **context)
    return Response(html, status=status, mimetype="text/html")


def error_page(status: int, message: str) -> Response:
    headings = {404: "Page not found", 405: "Not allowed", 413: "Request too large"}
    return page(
        "message.html",
        status,
        heading=headings.get(status, "Something went wrong"),
        message=message,
        link=None,
        link_label=None,
    )


def test_cards() -> list[dict[str, str]]:
    return [{"number": c.number, "label": c.label} for c in CARDS.values()]


@bp.get("/")
def index() -> Response:
    return page(
        "message.html",
        heading="fakestripe",
        message="A local Stripe stand-in. Checkout and portal pages open from the links the "
        "API returns.",
        link=None,
        link_label=None,
    )


# --- documents ----------------------------------------------------------------------------


@bp.get("/i/<invoice_id>")
def invoice_page(invoice_id: str) -> Response:
    rt = runtime()
    with rt.store.lock:
        invoice = rt.store.get("invoice", invoice_id)
        if invoice is None:
            return error_page(404, "This invoice does not exist.")
        facts = [
            ("Invoice number", invoice["number"] or "(draft)"),
            ("Status", invoice["status"]),
            ("Date", fmt_date(invoice["created"])),
            ("Billed to", invoice["customer_email"] or invoice["customer"]),
            ("Amount due", format_amount(invoice["amount_due"], invoice["currency"])),
            ("Amount paid", format_amount(invoice["amount_paid"], invoice["currency"])),
        ]
        lines = [
            (line["description"], format_amount(line["amount"], line["currency"]))
            for line in invoice["lines"]["data"]
        ]
        return page("document.html", heading="Invoice", facts=facts, lines=lines)


@bp.get("/receipts/<charge_id>")
def receipt_page(charge_id: str) -> Response:
    rt = runtime()
    with rt.store.lock:
        charge = rt.store.get("charge", charge_id)
        if charge is None:
            return error_page(404, "This receipt does not exist.")
        card = charge["payment_method_details"]["card"]
        facts = [
            ("Amount paid", format_amount(charge["amount"], charge["currency"])),
            ("Refunded", format_amount(charge["amount_refunded"], charge["currency"])),
            ("Date paid", fmt_date(charge["created"])),
            ("Payment method", f"{card['brand'].capitalize()} ending in {card['last4']}"),
            ("Description", charge["description"] or ""),
        ]
        return page("document.html", heading="Receipt", facts=facts, lines=[])
