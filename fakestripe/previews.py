"""``Invoice.create_preview``: the invoice a subscription would get, computed with the same
code that makes real invoices, never stored (id ``upcoming_in_…``).

What is previewed: the next renewal; a change of items (prorations, or an invoice now with
``always_invoice`` or a restarted period); a new subscription (customer and items, no
subscription); cancelling now (``cancel_now``) or inside the current period (``cancel_at``)
with the final invoice and its credits; resuming a paused subscription (``resume_at=now``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakestripe.billing_engine import upcoming_invoice
from fakestripe.changes import plan_change, remaining_time_charges, unused_time_credits
from fakestripe.errors import invalid
from fakestripe.invoiceitems import pending_lines
from fakestripe.invoicing import LineSpec, create_invoice, preview_id, regular_line
from fakestripe.objects.billing import subscription_items
from fakestripe.periods import period_end
from fakestripe.schedules import phase_at
from fakestripe.subscriptions import ItemSpec, current_period, interval_of

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


def no_upcoming(target: str) -> Exception:
    return invalid(
        f"No upcoming invoices for {target}", param="subscription", code="invoice_upcoming_none"
    )


def preview_invoice(
    rt: Runtime,
    *,
    customer: dict[str, Any],
    sub: dict[str, Any] | None,
    lines: list[LineSpec],
    reason: str,
    period: tuple[int, int],
) -> dict[str, Any]:
    """An unsaved invoice of ``lines``, with the customer's balance applied as it would be."""
    invoice = create_invoice(
        rt,
        customer=customer,
        subscription=sub,
        billing_reason=reason,
        lines=lines,
        period=period,
        store=False,
        invoice_id=preview_id(),
        preview=True,
    )
    return with_balance(invoice, customer)


def with_balance(invoice: dict[str, Any], customer: dict[str, Any]) -> dict[str, Any]:
    """What finalizing would do with the customer's balance (credit pays first)."""
    balance = customer["balance"]
    total = invoice["total"]
    applied = (max(balance, -total) if balance < 0 else balance) if total >= 0 else 0
    invoice.update(
        starting_balance=balance,
        ending_balance=balance - applied if total >= 0 else balance + total,
        amount_due=max(total + applied, 0),
        amount_remaining=max(total + applied, 0),
    )
    return invoice


def preview_new_subscription(
    rt: Runtime, customer: dict[str, Any], items: list[ItemSpec], extra: list[LineSpec]
) -> dict[str, Any]:
    """The first invoice of a subscription that does not exist yet."""
    now = rt.now()
    interval, count = interval_of(items[0].price)
    end = period_end(now, interval, count, 1)
    lines = [regular_line(rt, i.price, i.quantity, (now, end), None) for i in items]
    return preview_invoice(
        rt,
        customer=customer,
        sub=None,
        lines=[*lines, *extra],
        reason="subscription_create",
        period=(now, now),
    )


def preview_change(
    rt: Runtime,
    sub: dict[str, Any],
    details: dict[str, Any],
    extra: list[LineSpec],
) -> dict[str, Any]:
    """A change of items (or of the billing cycle anchor) of an existing subscription."""
    behavior = details.get("proration_behavior", "create_prorations")
    reset = (details.get("billing_cycle_anchor") or {}).get("type") == "now"
    plan = plan_change(
        rt,
        sub,
        details.get("items", []),
        proration_behavior=behavior,
        proration_date=details.get("proration_date"),
        reset_anchor=reset,
        param_prefix="subscription_details[items]",
    )
    customer = rt.store.require("customer", sub["customer"])
    start, end = current_period(rt, sub)
    after = [c for c in plan.changes if c.new_price is not None]
    if plan.reset_anchor or behavior == "always_invoice":
        lines = [*pending_lines(rt, sub), *plan.proration_lines]
        if plan.reset_anchor:
            new_end = period_end(plan.at, plan.interval[0], plan.interval[1], 1)
            lines += [
                regular_line(rt, c.new_price, c.new_quantity, (plan.at, new_end), _item_id(c.item))
                for c in after
            ]
        reason, period = "subscription_update", (plan.at, plan.at)
    else:
        private = rt.store.private(sub["id"])
        next_end = period_end(
            sub["billing_cycle_anchor"],
            plan.interval[0],
            plan.interval[1],
            private.get("cycle", 1) + 1,
        )
        lines = [
            *pending_lines(rt, sub),
            *(plan.proration_lines if behavior == "create_prorations" else []),
            *(
                regular_line(rt, c.new_price, c.new_quantity, (end, next_end), _item_id(c.item))
                for c in after
            ),
        ]
        reason, period = "upcoming", (start, end)
    return preview_invoice(
        rt,
        customer=customer,
        sub=sub,
        lines=[*lines, *extra],
        reason=reason,
        period=period,
    )


def _item_id(item: dict[str, Any] | None) -> str | None:
    return item["id"] if item else None


def preview_ending(
    rt: Runtime, sub: dict[str, Any], *, at: int, behavior: str, extra: list[LineSpec]
) -> dict[str, Any]:
    """The final invoice of a subscription cancelled at ``at`` (now, or inside the current
    period): what is pending, and the unused time credited unless ``behavior`` is ``none``."""
    credits = unused_time_credits(rt, sub, since=at) if behavior != "none" else []
    lines = [*pending_lines(rt, sub), *credits, *extra]
    if not lines:
        raise no_upcoming(f"subscription: {sub['id']}")
    return preview_invoice(
        rt,
        customer=rt.store.require("customer", sub["customer"]),
        sub=sub,
        lines=lines,
        reason="subscription_update",
        period=(at, at),
    )


def preview_resumption(
    rt: Runtime, sub: dict[str, Any], *, anchor: str, behavior: str, extra: list[LineSpec]
) -> dict[str, Any]:
    """The resumption invoice of a paused subscription resumed now."""
    now = rt.now()
    _, end = current_period(rt, sub)
    private = rt.store.private(sub["id"])
    if anchor == "now" or end <= now:
        new_end = period_end(now, private["interval"], private["interval_count"], 1)
        lines = [
            regular_line(
                rt, rt.store.get("price", i["price"]), i["quantity"], (now, new_end), i["id"]
            )
            for i in subscription_items(rt, sub["id"])
        ]
    elif behavior == "none":
        lines = []
    else:
        lines = remaining_time_charges(rt, sub, since=now)
    return preview_invoice(
        rt,
        customer=rt.store.require("customer", sub["customer"]),
        sub=sub,
        lines=[*pending_lines(rt, sub), *lines, *extra],
        reason="subscription_update",
        period=(now, now),
    )


def preview_renewal(
    rt: Runtime,
    sub: dict[str, Any],
    extra: list[LineSpec],
    phases: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The next renewal; with a schedule's ``phases``, billed as the phase in effect then."""
    items = None
    if phases:
        _, end = current_period(rt, sub)
        now = rt.now()
        for phase in phases:
            if now < phase["start_date"] < end:
                raise invalid(
                    "fakestripe previews a schedule whose next phase starts at the renewal, "
                    "not inside the current period.",
                    param="schedule_details[phases]",
                )
        index = phase_at({"phases": phases}, end)
        if index is not None:
            items = [
                (rt.store.require("price", i["price"]), i["quantity"])
                for i in phases[index]["items"]
            ]
    invoice = upcoming_invoice(rt, sub, extra=extra, items=items)
    invoice["id"] = preview_id()
    return with_balance(invoice, rt.store.require("customer", sub["customer"]))
