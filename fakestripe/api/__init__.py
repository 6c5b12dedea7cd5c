"""Routes of the Stripe API subset, one module per resource."""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    from fakestripe.api import (
        balance,
        billing_portal,
        checkout,
        coupons,
        customers,
        disputes,
        events,
        invoiceitems,
        invoices,
        payment_methods,
        payments,
        previews,
        prices,
        products,
        refunds,
        setup_intents,
        subscription_discounts,
        subscription_schedules,
        subscriptions,
        test_clocks,
        webhook_endpoints,
    )

    return [
        module.bp
        for module in (
            balance,
            coupons,
            products,
            prices,
            customers,
            payment_methods,
            checkout,
            subscriptions,
            subscription_discounts,
            subscription_schedules,
            invoiceitems,
            invoices,
            previews,
            payments,
            refunds,
            setup_intents,
            disputes,
            billing_portal,
            events,
            test_clocks,
            webhook_endpoints,
        )
    ]
