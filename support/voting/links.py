"""The one-click ballot link in an invitation: signed, for one member and one round.

The token is the link's only authority. `signing` makes it unforgeable (HMAC with
SECRET_KEY, salted for this purpose); it names a round and a member; it is refused once the
round is no longer open (it expires when the round closes, later if editors extend the
round). It opens that member's ballot for that round and nothing else: nobody is signed in.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from ..models import Round

SALT = "support.voting.ballot"

FORGED = "forged"
OTHER_ROUND = "other_round"
EXPIRED = "expired"


class BallotLinkRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def ballot_token(*, rnd: Round, user_id: int) -> str:
    return signing.dumps({"r": rnd.pk, "u": user_id}, salt=SALT, compress=True)


def ballot_url(*, rnd: Round, user_id: int) -> str:
    path = reverse(
        "support:ballot_link",
        kwargs={"slug": rnd.slug, "token": ballot_token(rnd=rnd, user_id=user_id)},
    )
    return f"{settings.SITE_URL}{path}"


def ballot_token_read(token: str, *, rnd: Round) -> int:
    """The member id the token names for `rnd`; `BallotLinkRefused` with why not."""
    try:
        data = signing.loads(token, salt=SALT)
        round_id, user_id = int(data["r"]), int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BallotLinkRefused(FORGED) from exc
    if round_id != rnd.pk:
        raise BallotLinkRefused(OTHER_ROUND)
    if not rnd.accepts_ballots_at(timezone.now()):
        raise BallotLinkRefused(EXPIRED)
    return user_id
