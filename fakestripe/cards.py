"""Stripe's test cards and how each behaves when charged."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    label: str
    behaviour: str = "succeed"
    decline_code: str | None = None
    funding: str = "credit"
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str | None
    message: str


REQUIRES_ACTION = "requires_action"

_DECLINES = {
    "generic_decline": Decline("card_declined", "generic_decline", "Your card was declined."),
    "insufficient_funds": Decline(
        "card_declined", "insufficient_funds", "Your card has insufficient funds."
    ),
    "expired_card": Decline("expired_card", "expired_card", "Your card has expired."),
    "stolen_card": Decline("card_declined", "stolen_card", "Your card was declined."),
    "lost_card": Decline("card_declined", "lost_card", "Your card was declined."),
    "incorrect_cvc": Decline(
        "incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."
    ),
    "processing_error": Decline(
        "processing_error",
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
    "authentication_required": Decline(
        "authentication_required",
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
    ),
    "test_mode_live_card": Decline(
        "card_declined",
        "test_mode_live_card",
        "Your card was declined. Your request was in test mode, but used a non test (live) card. "
        "For a list of valid test cards, visit: https://stripe.com/docs/testing.",
    ),
}

AUTHENTICATION_REQUIRED = _DECLINES["authentication_required"]

AUTHENTICATION_FAILED = Decline(
    "payment_intent_authentication_failure",
    None,
    "We are unable to authenticate your payment method. Please choose a different payment "
    "method and try again.",
)

CARDS: dict[str, TestCard] = {
    c.number: c
    for c in (
        TestCard("4242424242424242", "visa", "Succeeds", tokens=("pm_card_visa", "tok_visa")),
        TestCard(
            "4000056655665556",
            "visa",
            "Succeeds (debit)",
            funding="debit",
            tokens=("pm_card_visa_debit",),
        ),
        TestCard("5555555555554444", "mastercard", "Succeeds", tokens=("pm_card_mastercard",)),
        TestCard("378282246310005", "amex", "Succeeds", tokens=("pm_card_amex",)),
        TestCard(
            "4000000000000002",
            "visa",
            "Declined (generic_decline)",
            "decline",
            "generic_decline",
            tokens=("pm_card_visa_chargeDeclined", "pm_card_chargeDeclined"),
        ),
        TestCard(
            "4000000000009995",
            "visa",
            "Declined (insufficient_funds)",
            "decline",
            "insufficient_funds",
            tokens=(
                "pm_card_visa_chargeDeclinedInsufficientFunds",
                "pm_card_chargeDeclinedInsufficientFunds",
            ),
        ),
        TestCard(
            "4000000000000069",
            "visa",
            "Declined (expired_card)",
            "decline",
            "expired_card",
            tokens=("pm_card_chargeDeclinedExpiredCard",),
        ),
        TestCard(
            "4000000000009979",
            "visa",
            "Declined (stolen_card)",
            "decline",
            "stolen_card",
            tokens=("pm_card_visa_chargeDeclinedStolenCard",),
        ),
        TestCard(
            "4000000000009987",
            "visa",
            "Declined (lost_card)",
            "decline",
            "lost_card",
            tokens=("pm_card_visa_chargeDeclinedLostCard",),
        ),
        TestCard(
            "4000000000000127",
            "visa",
            "Declined (incorrect_cvc)",
            "decline",
            "incorrect_cvc",
            tokens=("pm_card_chargeDeclinedIncorrectCvc",),
        ),
        TestCard(
            "4000000000000119",
            "visa",
            "Declined (processing_error)",
            "decline",
            "processing_error",
            tokens=("pm_card_chargeDeclinedProcessingError",),
        ),
        TestCard(
            "4000000000000341",
            "visa",
            "Attaches, but later (off-session) charges fail",
            "fail_off_session",
            "generic_decline",
            tokens=("pm_card_chargeCustomerFail",),
        ),
        TestCard(
            "4000002500003155",
            "visa",
            "Asks for authentication (3-D Secure) on the first payment",
            "auth_on_session",
            tokens=("pm_card_authenticationRequiredOnSetup", "pm_card_threeDSecure2Required"),
        ),
        TestCard(
            "4000002760003184",
            "visa",
            "Always asks for authentication; off-session charges fail",
            "auth_always",
            tokens=("pm_card_authenticationRequired",),
        ),
        TestCard(
            "4000008260003178",
            "visa",
            "Asks for authentication, then insufficient_funds",
            "auth_then_decline",
            "insufficient_funds",
            tokens=("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",),
        ),
        TestCard(
            "4000000000000259",
            "visa",
            "Succeeds, then the charge is disputed (fraudulent)",
            "dispute",
            tokens=("pm_card_createDispute",),
        ),
    )
}

TOKENS: dict[str, str] = {token: c.number for c in CARDS.values() for token in c.tokens}


def normalize(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number]
    if not 12 <= len(digits) <= 19:
        return False
    doubled = [
        (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d for i, d in enumerate(digits[::-1])
    ]
    return sum(doubled) % 10 == 0


def brand_for(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number[:2] in {"51", "52", "53", "54", "55"} or number[:1] == "2":
        return "mastercard"
    if number.startswith("6"):
        return "discover"
    return "unknown"


def card_for(number: str) -> TestCard:
    """The test card with this number; any other valid number acts like a live card."""
    known = CARDS.get(number)
    if known:
        return known
    return TestCard(number, brand_for(number), "Live card", "decline", "test_mode_live_card")


def charge_outcome(
    card: TestCard, *, off_session: bool, authenticated: bool = False
) -> Decline | str | None:
    """None when the charge succeeds, REQUIRES_ACTION when 3-D Secure must happen first."""
    behaviour = card.behaviour
    declined = _DECLINES[card.decline_code or "generic_decline"]
    if behaviour == "decline":
        return declined
    if behaviour == "fail_off_session":
        return declined if off_session else None
    if behaviour not in {"auth_on_session", "auth_always", "auth_then_decline"}:
        return None
    if off_session:
        # Once set up, a 3155 card charges off-session; the others need the customer.
        return None if behaviour == "auth_on_session" else _DECLINES["authentication_required"]
    if not authenticated:
        return REQUIRES_ACTION
    return declined if behaviour == "auth_then_decline" else None
