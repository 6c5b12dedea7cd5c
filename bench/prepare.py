"""The bench database, made ready in one Django process with the bench settings (one start-up
instead of one per management command): `python -m bench.prepare --invoices N [--control URL]`.

- The schema (`migrate`), no rows (`flush`), the static files collected (`collectstatic`).
- The demo tiers (`billing.demo.seed_tiers`), which the support page shows.
- With the Stripe stand-in: the tiers pushed to it, and N readers who each paid a Reader
  membership through a real Checkout Session (`checkout_start`, then the stand-in's control
  API pays it as the hosted page would). Their paid invoices are what the `invoice.paid`
  events of the webhook benchmark name, so processing refetches real invoices.

Prints one JSON line: {"invoices": [...]}. The stand-in sends no webhooks in a bench run, so
nothing here reaches the inbox: the inbox holds exactly the events the benchmark sends.
"""

from __future__ import annotations

import argparse
import json

import django


def paid_invoices(*, count: int, control_url: str) -> list[str]:
    from billing import gateway
    from billing.checkout import Choice, checkout_start
    from billing.models import Tier
    from fakestripe.control import FakeStripeControl

    control = FakeStripeControl(control_url)
    tier = Tier.objects.get(slug="reader")
    invoices = []
    for n in range(count):
        session = checkout_start(
            user=None,
            choice=Choice(tier=tier, currency="eur", interval="month"),
            anonymous_key=f"bench-reader-{n}",
        )
        control.pay_checkout_session(
            session.stripe_session_id,
            email=f"reader{n}@bench.example.org",
            name=f"Bench Reader {n}",
        )
        paid = gateway.checkout_session_retrieve(session_id=session.stripe_session_id)
        subscription = gateway.subscription_retrieve(subscription_id=paid["subscription"])
        invoice_id = subscription["latest_invoice"]
        invoice = gateway.invoice_retrieve(invoice_id=invoice_id)
        if invoice["status"] != "paid":
            raise RuntimeError(f"invoice {invoice_id} is {invoice['status']}, not paid")
        invoices.append(invoice_id)
    return invoices


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.prepare")
    parser.add_argument("--invoices", type=int, default=0)
    parser.add_argument("--control", default="", help="the Stripe stand-in's base URL")
    args = parser.parse_args()
    django.setup()
    from django.core.management import call_command

    from billing.catalog import tiers_sync
    from billing.demo import seed_tiers

    for command in ("migrate", "flush", "collectstatic"):
        call_command(command, interactive=False, verbosity=0)

    tiers = seed_tiers()
    invoices: list[str] = []
    if args.control:
        tiers_sync(tiers=tiers)
        invoices = paid_invoices(count=args.invoices, control_url=args.control)
    print(json.dumps({"invoices": invoices}))


if __name__ == "__main__":
    main()
