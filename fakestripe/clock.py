"""The virtual clock: real time plus an offset that only moves forward."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Clock:
    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset
        self._frozen = threading.local()

    def now(self) -> int:
        frozen = getattr(self._frozen, "at", None)
        if frozen is not None:
            return frozen
        return int(time.time() + self.offset)

    @contextmanager
    def frozen_at(self, at: int) -> Iterator[None]:
        """Pin ``now()`` (for this thread) while processing a boundary, so every object and
        event created for that boundary carries exactly the boundary's timestamp."""
        previous = getattr(self._frozen, "at", None)
        self._frozen.at = at
        try:
            yield
        finally:
            self._frozen.at = previous

    def move_to(self, at: int) -> None:
        if at > self.now():
            self.offset = at - time.time()

    def reset(self) -> None:
        self.offset = 0.0
