"""Demo patrons for `make run`: two demo members pay through the Stripe stand-in, so the site
has memberships, payments and receipts to show. The stand-in's webhooks do the rest, exactly
as Stripe's would. Only for the stand-in: with real Stripe keys this command refuses."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from billing.checkout import Choice, checkout_start
from billing.models import Membership, Tier
from members.models import User

DEMO_PATRONS = [
    ("ana@example.org", "reader", "eur", "month"),
    ("ben@example.org", "insider", "usd", "year"),
]


class Command(BaseCommand):
    help = "Make two demo members patrons through the Stripe stand-in (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.STRIPE_API_BASE or not settings.STRIPE_SECRET_KEY.startswith("sk_test"):
            raise CommandError("Demo payments need the Stripe stand-in and a test key.")
        from fakestripe.control import FakeStripeControl

        control = FakeStripeControl(settings.STRIPE_API_BASE)
        for email, slug, currency, interval in DEMO_PATRONS:
            user = User.objects.filter(email=email).first()
            if user is None or Membership.objects.filter(user=user).exists():
                continue
            choice = Choice(tier=Tier.objects.get(slug=slug), currency=currency, interval=interval)
            session = checkout_start(user=user, choice=choice)
            control.pay_checkout_session(session.stripe_session_id)
            self.stdout.write(f"{email}: paid {slug} ({currency}, {interval}) at the stand-in")
