"""support's models, one module per part: voting (rounds, topics, ballots, ...) and the
supporter reports."""

from .corrections import CorrectionRequest as CorrectionRequest
from .voting import Round, Topic

__all__ = ["Round", "Topic"]
