"""Demo data for engagement: an open voting round with topics."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import Round, Topic

DEMO_TOPICS = [
    (
        "Who owns the harbour's empty warehouses?",
        "Follow the shell companies behind 40 vacant lots.",
    ),
    ("Why do night buses stop at midnight?", "The budget decision nobody voted on."),
    ("Rents in student housing", "Three landlords, one price list."),
    ("The river clean-up money", "Where the €12 million went."),
]


@transaction.atomic
def seed_round() -> Round:
    now = timezone.now()
    rnd, created = Round.objects.get_or_create(
        slug="what-next",
        defaults={
            "title": "What should we investigate next?",
            "question": "Pick the story you want our reporters on this winter.",
            "opens_at": now - timedelta(days=1),
            "closes_at": now + timedelta(days=13),
        },
    )
    if not created and not rnd.is_open:
        # Keep the demo round open however old the demo database is.
        rnd.opens_at, rnd.closes_at = now - timedelta(days=1), now + timedelta(days=13)
        rnd.save(update_fields=["opens_at", "closes_at"])
    for position, (title, summary) in enumerate(DEMO_TOPICS):
        Topic.objects.get_or_create(
            round=rnd, title=title, defaults={"summary": summary, "position": position}
        )
    return rnd
