"""Stripe-looking object ids."""

from __future__ import annotations

import random
import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
# Ids only need to be unique and unguessable enough for a test double; secrets (webhook
# signing secrets, client secrets, portal tokens) use the secrets module.
_rng = random.Random(secrets.randbits(128))

# Lengths imitate real ids so that code with length assumptions (db columns) sees realistic data.
_LENGTHS = {
    "cus": 14,
    "prod": 14,
    "si": 14,
    "cs_test": 58,
    "bps": 24,
    "inpay": 24,
    "il": 24,
}


def new_id(prefix: str, length: int | None = None) -> str:
    size = length or _LENGTHS.get(prefix, 24)
    body = "".join(_rng.choices(_ALPHABET, k=size))
    if size >= 24 and prefix not in {"cs_test", "inpay", "il"}:
        # Stripe's long ids start with a version digit, e.g. sub_1P...; keep that look.
        body = "1" + body[1:]
    return f"{prefix}_{body}"


def secret(prefix: str, length: int = 32) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))
