"""The running stand-in: settings, state, clock and webhook dispatcher in one place."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from fakestripe.config import Settings
from fakestripe.objects import load_all, render
from fakestripe.store import Store

if TYPE_CHECKING:
    from fakestripe.webhooks import Dispatcher


class Runtime:
    def __init__(self, settings: Settings) -> None:
        from fakestripe.webhooks import Dispatcher

        load_all()
        self.settings = settings
        # What /_control/reset goes back to after /_control/settings changed things.
        self.startup_settings = dataclasses.replace(settings)
        self.store = Store(settings.data_dir)
        self.webhooks: Dispatcher = Dispatcher(self)
        self.port = settings.port

    @property
    def base_url(self) -> str:
        return self.settings.base_url(self.port)

    def now(self) -> int:
        return self.store.clock.now()

    def render(self, obj: dict[str, Any]) -> dict[str, Any]:
        return render(self, obj)

    def emit(
        self,
        type_: str,
        obj: dict[str, Any],
        previous_attributes: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        from fakestripe.events import emit

        return emit(self, type_, obj, previous_attributes)
