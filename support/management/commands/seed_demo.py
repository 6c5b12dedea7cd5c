"""Demo data for `make run`: accounts and roles, tiers (also in Stripe), and voting: a closed
round with published results and an open round with ballots.

Idempotent: run it any number of times. It lives in `support`, the top app, because it
calls every app's own seeding function.
"""

from django.core.management.base import BaseCommand

from billing.demo import seed_and_sync_tiers
from members.demo import DEMO_PASSWORD, seed_members
from support.demo import seed_voting


class Command(BaseCommand):
    help = "Create or refresh the demo data (safe to re-run)."

    def handle(self, *args: object, **options: object) -> None:
        users = seed_members()
        self.stdout.write(f"members: {len(users)} (password {DEMO_PASSWORD})")
        report = seed_and_sync_tiers()
        self.stdout.write(
            f"tiers: pushed to Stripe ({report.prices_created} prices created, "
            f"{report.unchanged} unchanged)"
        )
        closed, open_round = seed_voting()
        self.stdout.write(
            f"votes: {open_round.title} (open, {open_round.ballots.count()} ballots); "
            f"{closed.title} (results published, {closed.ballots.count()} ballots)"
        )
