from django.core.management.base import BaseCommand, CommandError

from billing import gateway
from billing.catalog import tiers_sync


class Command(BaseCommand):
    help = "Push tiers to Stripe as Products and Prices. Idempotent: re-running changes nothing."

    def handle(self, *args: object, **options: object) -> None:
        try:
            report = tiers_sync()
        except (gateway.GatewayError, gateway.GatewayUnavailable) as exc:
            raise CommandError(f"Stripe refused: {exc}") from exc
        for line in report.lines:
            self.stdout.write(line)
        if not report.changed:
            self.stdout.write(f"Stripe already matches ({report.unchanged} prices checked).")
