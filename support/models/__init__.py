"""support's models, one module per part: voting (rounds, topics, ballots, ...) and the
supporter reports."""

from .corrections import CorrectionRequest
from .voting import Ballot, Mailing, Round, RoundResult, Topic, TopicArticle, TopicSupport

__all__ = [
    "Ballot",
    "CorrectionRequest",
    "Mailing",
    "Round",
    "RoundResult",
    "Topic",
    "TopicArticle",
    "TopicSupport",
]
