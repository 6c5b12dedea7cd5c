"""Price and quantity changes of a subscription: what a change means (prorations for the exact
seconds left, whether the period restarts), worked out without side effects so previews can
use it, then applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fakestripe.discounts import charge_factor, paid_factor
from fakestripe.errors import invalid
from fakestripe.events import emit_updated
from fakestripe.ids import new_id
from fakestripe.invoiceitems import add_items, pending_lines
from fakestripe.invoicing import LineSpec, charge_invoice, create_invoice, finalize, regular_line
from fakestripe.objects.billing import build_subscription_item, subscription_items
from fakestripe.params import apply_metadata, new_metadata
from fakestripe.periods import fmt_date, period_end
from fakestripe.subscriptions import current_period, interval_of, resolve_item_price

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime


@dataclass
class ItemChange:
    item: dict[str, Any] | None
    old_price: dict[str, Any] | None
    old_quantity: int
    new_price: dict[str, Any] | None
    new_quantity: int
    metadata: dict[str, str] | None = None


@dataclass
class ChangePlan:
    at: int
    period: tuple[int, int]
    changes: list[ItemChange]
    reset_anchor: bool
    interval: tuple[str, int]
    proration_lines: list[LineSpec] = field(default_factory=list)


def plan_change(
    rt: Runtime,
    sub: dict[str, Any],
    item_params: list[dict[str, Any]],
    *,
    proration_behavior: str,
    proration_date: int | None,
    reset_anchor: bool = False,
    param_prefix: str = "items",
) -> ChangePlan:
    """Work out what an items update means, without changing anything (used by previews too)."""
    start, end = current_period(rt, sub)
    at = proration_date if proration_date is not None else rt.now()
    if proration_date is not None and not start <= proration_date <= end:
        raise invalid(
            "proration_date must be within the subscription's current billing period.",
            param="proration_date",
        )
    existing = {i["id"]: i for i in subscription_items(rt, sub["id"])}
    changes: dict[str, ItemChange] = {
        item_id: ItemChange(
            item,
            rt.store.get("price", item["price"]),
            item["quantity"],
            rt.store.get("price", item["price"]),
            item["quantity"],
        )
        for item_id, item in existing.items()
    }
    added: list[ItemChange] = []
    for index, spec in enumerate(item_params):
        path = f"{param_prefix}[{index}]"
        if "id" in spec:
            change = changes.get(spec["id"])
            if change is None:
                raise invalid(
                    f"Subscription item {spec['id']} does not belong to subscription {sub['id']}.",
                    param=f"{path}[id]",
                    code="resource_missing",
                )
            if spec.get("deleted"):
                change.new_price, change.new_quantity = None, 0
                continue
            if "price" in spec or "price_data" in spec:
                change.new_price = resolve_item_price(rt, sub, spec, path)
            if "quantity" in spec:
                change.new_quantity = spec["quantity"]
            change.metadata = spec.get("metadata")
        else:
            if spec.get("deleted"):
                raise invalid(
                    f"{path}[deleted] needs the {path}[id] of the item to delete.",
                    param=f"{path}[deleted]",
                )
            price = resolve_item_price(rt, sub, spec, path)
            added.append(
                ItemChange(None, None, 0, price, spec.get("quantity", 1), spec.get("metadata"))
            )
    all_changes = [*changes.values(), *added]
    remaining = [c for c in all_changes if c.new_price is not None]
    if not remaining:
        raise invalid(
            "A subscription must have at least one active item. To cancel it, use DELETE.",
            param=param_prefix,
        )
    intervals = {interval_of(c.new_price) for c in remaining}
    if len(intervals) > 1:
        raise invalid(
            "All prices on a subscription must have the same `recurring.interval` and "
            "`recurring.interval_count`.",
            param=param_prefix,
        )
    interval = intervals.pop()
    private = rt.store.private(sub["id"])
    reset = reset_anchor or interval != (private["interval"], private["interval_count"])
    plan = ChangePlan(at, (start, end), all_changes, reset, interval)
    if proration_behavior != "none":
        plan.proration_lines = _prorations(rt, sub, plan)
    return plan


def _prorations(rt: Runtime, sub: dict[str, Any], plan: ChangePlan) -> list[LineSpec]:
    start, end = plan.period
    if end <= start or plan.at >= end:
        return []
    fraction = (end - plan.at) / (end - start)
    lines: list[LineSpec] = []
    when = fmt_date(plan.at)
    for change in plan.changes:
        same = (
            change.old_price is not None
            and change.new_price is not None
            and change.old_price["id"] == change.new_price["id"]
            and change.old_quantity == change.new_quantity
        )
        # A restarted period credits every item's unused time, changed or not.
        if same and not plan.reset_anchor:
            continue
        item_id = change.item["id"] if change.item else None
        if change.old_price is not None and change.old_quantity:
            lines.append(
                _proration_line(
                    rt,
                    change.old_price,
                    change.old_quantity,
                    fraction=-fraction * paid_factor(rt, sub, item_id),
                    template=f"Unused time on {{name}} after {when}",
                    period=(plan.at, end),
                    item_id=item_id,
                )
            )
        if change.new_price is not None and not plan.reset_anchor:
            lines.append(
                _proration_line(
                    rt,
                    change.new_price,
                    change.new_quantity,
                    fraction=fraction * charge_factor(rt, sub),
                    template=f"Remaining time on {{name}} after {when}",
                    period=(plan.at, end),
                    item_id=item_id,
                )
            )
    return lines


def _proration_line(
    rt: Runtime,
    price: dict[str, Any],
    quantity: int,
    *,
    fraction: float,
    template: str,
    period: tuple[int, int],
    item_id: str | None,
) -> LineSpec:
    product = rt.store.get("product", price["product"]) or {"name": price["product"]}
    # Stripe writes quantities with a multiplication sign.
    name = product["name"] if quantity == 1 else f"{quantity} × {product['name']}"  # noqa: RUF001
    return LineSpec(
        amount=round(price["unit_amount"] * quantity * fraction),
        description=template.format(name=name),
        price=price,
        quantity=quantity,
        period=period,
        subscription_item=item_id,
        proration=True,
        invoice_item=new_id("ii"),
    )


def unused_time_credits(rt: Runtime, sub: dict[str, Any], *, since: int) -> list[LineSpec]:
    """Credits for every item's time from ``since`` to the end of the current period."""
    start, end = current_period(rt, sub)
    if end <= start or since >= end:
        return []
    fraction = (end - since) / (end - start)
    return [
        _proration_line(
            rt,
            rt.store.get("price", item["price"]),
            item["quantity"],
            fraction=-fraction * paid_factor(rt, sub, item["id"]),
            template=f"Unused time on {{name}} after {fmt_date(since)}",
            period=(since, end),
            item_id=item["id"],
        )
        for item in subscription_items(rt, sub["id"])
    ]


def remaining_time_charges(rt: Runtime, sub: dict[str, Any], *, since: int) -> list[LineSpec]:
    """Charges for every item's time from ``since`` to the end of the current period."""
    start, end = current_period(rt, sub)
    if end <= start or since >= end:
        return []
    fraction = (end - since) / (end - start)
    return [
        _proration_line(
            rt,
            rt.store.get("price", item["price"]),
            item["quantity"],
            fraction=fraction * charge_factor(rt, sub),
            template=f"Remaining time on {{name}} after {fmt_date(since)}",
            period=(since, end),
            item_id=item["id"],
        )
        for item in subscription_items(rt, sub["id"])
    ]


def apply_change(
    rt: Runtime,
    sub: dict[str, Any],
    plan: ChangePlan,
    *,
    proration_behavior: str,
    before: dict[str, Any],
    off_session: bool = True,
) -> dict[str, Any] | None:
    """Make the planned change; returns the invoice created right away, if any."""
    private = rt.store.private(sub["id"])
    start, end = plan.period
    if plan.reset_anchor:
        sub["billing_cycle_anchor"] = plan.at
        private.update(interval=plan.interval[0], interval_count=plan.interval[1], cycle=1)
        start, end = plan.at, period_end(plan.at, plan.interval[0], plan.interval[1], 1)
    for change in plan.changes:
        if change.item is not None and change.new_price is None:
            rt.store.delete("subscription_item", change.item["id"])
        elif change.item is not None:
            change.item.update(
                price=change.new_price["id"],
                quantity=change.new_quantity,
                current_period_start=start,
                current_period_end=end,
            )
            if change.metadata is not None:
                change.item["metadata"] = apply_metadata(change.item["metadata"], change.metadata)
        else:
            item = build_subscription_item(
                rt,
                subscription=sub["id"],
                price=change.new_price,
                quantity=change.new_quantity,
                period_start=start,
                period_end=end,
                metadata=new_metadata(change.metadata),
            )
            rt.store.insert(item)
            for line in plan.proration_lines:
                if line.subscription_item is None and line.price["id"] == change.new_price["id"]:
                    line.subscription_item = item["id"]
    rt.store.mark_dirty()
    invoice_now = plan.reset_anchor or (
        proration_behavior == "always_invoice" and plan.proration_lines
    )
    if proration_behavior != "none":
        # Prorations are invoice items: pending for the next invoice, or invoiced right now.
        add_items(rt, customer=sub["customer"], subscription=sub["id"], lines=plan.proration_lines)
    if not invoice_now:
        emit_updated(rt, "customer.subscription.updated", sub, before)
        return None
    lines = pending_lines(rt, sub)
    if plan.reset_anchor:
        lines += [
            regular_line(
                rt, rt.store.get("price", i["price"]), i["quantity"], (start, end), i["id"]
            )
            for i in subscription_items(rt, sub["id"])
        ]
    customer = rt.store.require("customer", sub["customer"])
    invoice = create_invoice(
        rt,
        customer=customer,
        subscription=sub,
        billing_reason="subscription_update",
        lines=lines,
        period=(plan.at, plan.at),
        store=False,
    )
    sub["latest_invoice"] = invoice["id"]
    emit_updated(rt, "customer.subscription.updated", sub, before)
    rt.store.insert(invoice)
    rt.emit("invoice.created", invoice)
    finalize(rt, invoice)
    if invoice["status"] == "open" and not sub.get("pause_collection"):
        charge_invoice(rt, invoice, off_session=off_session)
    return invoice
