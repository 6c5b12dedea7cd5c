"""Command line: ``python -m fakestripe`` serves; ``python -m fakestripe.cli <command>`` talks to
a running server (``advance --days 31``, ``reset``, ``deliveries``, ...)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fakestripe.config import Settings, parse_webhook_env, parse_webhook_spec

if TYPE_CHECKING:
    from fakestripe.control import FakeStripeControl

DEFAULT_URL = "http://127.0.0.1:12111"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"FAKESTRIPE_{name}", default)


def _days(value: str) -> tuple[int, ...]:
    try:
        days = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError("use comma-separated whole days, e.g. 3,5,7") from exc
    if any(d <= 0 for d in days) or list(days) != sorted(days):
        raise argparse.ArgumentTypeError("retry days must be positive and increasing")
    return days


def _webhook(value: str) -> tuple[str, str]:
    try:
        return parse_webhook_spec(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_server_options(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    add = parser.add_argument
    add(
        "--host",
        default=_env("HOST", defaults.host),
        help="interface to bind (default %(default)s)",
    )
    add(
        "--port",
        type=int,
        default=int(_env("PORT", str(defaults.port)) or 0),
        help="port; 0 picks a free one (default %(default)s)",
    )
    add(
        "--data-dir",
        type=Path,
        default=_env("DATA_DIR"),
        help="directory for the persisted state; in-memory only if omitted",
    )
    add(
        "--webhook",
        action="append",
        type=_webhook,
        default=[],
        metavar="URL=SECRET",
        help="webhook endpoint to deliver every event to (repeatable; also FAKESTRIPE_WEBHOOKS)",
    )
    add(
        "--public-url",
        default=_env("PUBLIC_URL"),
        help="base URL for hosted page links (default: the listening address)",
    )
    add("--business-name", default=_env("BUSINESS_NAME", defaults.business_name))
    add("--account-country", default=_env("ACCOUNT_COUNTRY", defaults.account_country))
    add(
        "--retry-base-seconds",
        type=float,
        default=float(_env("RETRY_BASE_SECONDS", str(defaults.retry_base_seconds)) or 10),
        help="first webhook retry delay, doubling after each failure (default %(default)s)",
    )
    add(
        "--retry-attempts",
        type=int,
        default=int(_env("RETRY_ATTEMPTS", str(defaults.retry_attempts)) or 5),
        help="webhook delivery attempts in total (default %(default)s)",
    )
    add("--delivery-timeout", type=float, default=defaults.delivery_timeout)
    add(
        "--upcoming-days",
        type=int,
        default=int(_env("UPCOMING_DAYS", str(defaults.upcoming_days)) or 0),
        help="days before renewal to send invoice.upcoming; 0 disables (default %(default)s)",
    )
    add(
        "--payment-retry-days",
        type=_days,
        default=defaults.payment_retry_days,
        help="days after the first failed renewal to retry, e.g. 3,5,7",
    )
    add(
        "--retries-exhausted",
        choices=("cancel", "unpaid", "past_due"),
        default=defaults.retries_exhausted,
        help="what happens to a subscription after the last failed retry",
    )
    add(
        "--invoice-after-retries",
        choices=("open", "uncollectible"),
        default=defaults.invoice_after_retries,
        help="the invoice after the last failed retry (default %(default)s)",
    )
    add(
        "--portal-proration-behavior",
        choices=("create_prorations", "always_invoice", "none"),
        default=defaults.portal_proration_behavior,
    )
    add("--fee-percent", type=float, default=defaults.fee_percent)
    add("--fee-fixed", type=int, default=defaults.fee_fixed)
    add(
        "--tick-seconds",
        type=float,
        default=defaults.tick_seconds,
        help="how often real time is checked for due renewals; 0 disables",
    )
    add(
        "--checkout-step-seconds",
        type=float,
        default=defaults.checkout_step_seconds,
        help="real time between the steps that complete a paid checkout (default %(default)s)",
    )
    add("--threads", type=int, default=defaults.threads)
    add("--quiet", action="store_true", help="do not log each request")


def settings_from(args: argparse.Namespace) -> Settings:
    webhooks = list(args.webhook)
    env_hooks = _env("WEBHOOKS")
    if env_hooks:
        webhooks += parse_webhook_env(env_hooks)
    return Settings(
        host=args.host,
        port=args.port,
        data_dir=Path(args.data_dir) if args.data_dir else None,
        webhooks=webhooks,
        public_url=args.public_url,
        business_name=args.business_name,
        account_country=args.account_country,
        retry_base_seconds=args.retry_base_seconds,
        retry_attempts=max(1, args.retry_attempts),
        delivery_timeout=args.delivery_timeout,
        upcoming_days=args.upcoming_days,
        payment_retry_days=args.payment_retry_days,
        retries_exhausted=args.retries_exhausted,
        invoice_after_retries=args.invoice_after_retries,
        portal_proration_behavior=args.portal_proration_behavior,
        fee_percent=args.fee_percent,
        fee_fixed=args.fee_fixed,
        tick_seconds=args.tick_seconds,
        checkout_step_seconds=max(0.0, args.checkout_step_seconds),
        threads=args.threads,
        log_requests=not args.quiet,
    )


def serve_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fakestripe", description="Run the Stripe stand-in."
    )
    add_server_options(parser)
    args = parser.parse_args(argv)
    try:
        settings = settings_from(args)
    except ValueError as exc:
        parser.error(str(exc))
    from fakestripe.server import serve

    return serve(settings)


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2))  # noqa: T201 - a CLI prints


def main(argv: list[str] | None = None) -> int:
    from fakestripe.control import FakeStripeControl, FakeStripeControlError

    parser = argparse.ArgumentParser(prog="python -m fakestripe.cli", description=__doc__)
    parser.add_argument(
        "--url", default=_env("URL", DEFAULT_URL), help="server (default %(default)s)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server (same options as python -m fakestripe)")
    add_server_options(serve)
    adv = sub.add_parser("advance", help="move the virtual clock forward, processing renewals")
    adv.add_argument("--days", type=float, default=0)
    adv.add_argument("--hours", type=float, default=0)
    adv.add_argument("--seconds", type=int, default=0)
    adv.add_argument("--to", type=int, help="unix time to move to")
    sub.add_parser("clock", help="show the virtual time")
    sub.add_parser("health", help="show server status")
    sub.add_parser("reset", help="delete all state")
    dl = sub.add_parser("deliveries", help="list webhook delivery attempts")
    dl.add_argument("--event")
    dl.add_argument("--type")
    sub.add_parser("hold", help="queue webhooks instead of delivering them")
    rel = sub.add_parser("release", help="deliver held webhooks")
    rel.add_argument("--order", choices=("as_created", "reverse", "shuffle"), default="as_created")
    rel.add_argument("--duplicates", type=int, default=1)
    rel.add_argument("--concurrent", action="store_true")
    rd = sub.add_parser("redeliver", help="send an event again")
    rd.add_argument("event")
    pay = sub.add_parser("pay", help="pay a checkout session with a test card")
    pay.add_argument("session")
    pay.add_argument("--card", default="4242424242424242")
    pay.add_argument("--email")
    dispute = sub.add_parser("dispute", help="open a dispute on a charge")
    dispute.add_argument("charge")
    dispute.add_argument("--reason", default="fraudulent")
    dispute.add_argument("--amount", type=int)
    close = sub.add_parser("close-dispute", help="close a dispute as won or lost")
    close.add_argument("dispute")
    close.add_argument("--status", choices=("won", "lost"), default="won")
    args = parser.parse_args(argv)

    if args.command == "serve":
        from fakestripe.server import serve as run_server

        return run_server(settings_from(args))
    control = FakeStripeControl(args.url)
    try:
        _run_command(control, args)
    except FakeStripeControlError as exc:
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    except OSError as exc:
        print(f"error: cannot reach {args.url}: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    return 0


def _advance(control: FakeStripeControl, args: argparse.Namespace) -> None:
    if args.to:
        result = control.advance(to=args.to)
    else:
        result = control.advance(seconds=int(args.days * 86_400 + args.hours * 3600 + args.seconds))
    for step in result["processed"]:
        print(f"{step['at']}  {step['action']:<18} {step['object']}")  # noqa: T201
    print(f"now {result['now']}")  # noqa: T201


def _run_command(control: FakeStripeControl, args: argparse.Namespace) -> None:
    commands: dict[str, Callable[[], Any]] = {
        "clock": control.clock,
        "health": control.health,
        "reset": control.reset,
        "hold": control.hold_webhooks,
        "deliveries": lambda: control.deliveries(event=args.event, type=args.type),
        "release": lambda: control.release_webhooks(args.order, args.duplicates, args.concurrent),
        "redeliver": lambda: control.redeliver(args.event),
        "pay": lambda: control.pay_checkout_session(args.session, card=args.card, email=args.email),
        "dispute": lambda: control.create_dispute(
            args.charge, reason=args.reason, amount=args.amount
        ),
        "close-dispute": lambda: control.close_dispute(args.dispute, args.status),
    }
    if args.command == "advance":
        _advance(control, args)
    else:
        _print(commands[args.command]())


if __name__ == "__main__":
    sys.exit(main())
