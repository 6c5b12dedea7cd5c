from .catalog import Currency, Interval, Tier, TierPrice
from .changes import ScheduledChange
from .checkout import CheckoutSession
from .commands import StripeCommand
from .gifts import Gift
from .history import MembershipChange
from .inbox import WebhookEvent
from .memberships import BillingCustomer, Membership
from .payments import Dispute, Payment, Refund
from .reconciliation import ReconciliationRun

__all__ = [
    "BillingCustomer",
    "CheckoutSession",
    "Currency",
    "Dispute",
    "Gift",
    "Interval",
    "Membership",
    "MembershipChange",
    "Payment",
    "ReconciliationRun",
    "Refund",
    "ScheduledChange",
    "StripeCommand",
    "Tier",
    "TierPrice",
    "WebhookEvent",
]
