"""Every benchmark, in the order they run. A new benchmark is one module and one line here."""

from .base import Benchmark
from .support_page import SupportPage
from .support_widget import SupportWidget
from .voting import VoteInvitations, VoteTally
from .webhook_ingest import WebhookIngest

ALL: list[type[Benchmark]] = [SupportPage, SupportWidget, WebhookIngest, VoteInvitations, VoteTally]
