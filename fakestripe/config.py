"""Server settings, filled from command-line options and ``FAKESTRIPE_*`` environment variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 12111
    data_dir: Path | None = None
    # (url, secret) pairs registered as webhook endpoints at start-up.
    webhooks: list[tuple[str, str]] = field(default_factory=list)
    public_url: str | None = None
    business_name: str = "Test Business"
    account_country: str = "US"
    # Webhook delivery: first retry after retry_base_seconds, doubling, retry_attempts in total.
    retry_base_seconds: float = 10.0
    retry_attempts: int = 5
    delivery_timeout: float = 10.0
    # Billing.
    upcoming_days: int = 3
    payment_retry_days: tuple[int, ...] = (3, 5, 7)
    retries_exhausted: str = "cancel"
    # The invoice after the last failed retry: left `open`, or marked `uncollectible`.
    invoice_after_retries: str = "open"
    portal_proration_behavior: str = "create_prorations"
    fee_percent: float = 1.5
    fee_fixed: int = 25
    # Real time between the steps of a paid checkout's completion (see fakestripe.completion).
    checkout_step_seconds: float = 0.05
    # How often real time passing is checked for due renewals/expiries (0 disables).
    tick_seconds: float = 1.0
    threads: int = 8
    log_requests: bool = True

    def base_url(self, port: int | None = None) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in {"0.0.0.0", "::", ""} else self.host  # noqa: S104
        return f"http://{host}:{port or self.port}"


def parse_webhook_spec(spec: str) -> tuple[str, str]:
    """``URL=SECRET``; the secret is after the last ``=`` because URLs may contain ``=``."""
    url, sep, secret = spec.rpartition("=")
    if not sep or not url or not secret:
        raise ValueError(f"webhook must look like URL=SECRET, got {spec!r}")
    return url.strip(), secret.strip()


def parse_webhook_env(value: str) -> list[tuple[str, str]]:
    return [parse_webhook_spec(part) for part in value.split(",") if part.strip()]
