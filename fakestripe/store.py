"""In-memory state behind one lock, persisted atomically as JSON.

Objects are kept in their API shape (``store.objects[type][id]``); data Stripe never shows
(card numbers, retry bookkeeping, portal tokens) lives in ``store.internal[id]``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fakestripe.clock import Clock
from fakestripe.errors import missing

log = logging.getLogger("fakestripe.store")

STATE_VERSION = 1

# Human names used in "No such ..." messages, as Stripe words them.
KIND_NAMES = {
    "checkout.session": "checkout.session",
    "billing_portal.session": "billing_portal.session",
    "billing_portal.configuration": "billing_portal.configuration",
    "invoice_payment": "invoice payment",
    "payment_intent": "payment_intent",
    "setup_intent": "setup_intent",
    "payment_method": "PaymentMethod",
    "subscription_item": "subscription item",
    "subscription_schedule": "subscription schedule",
    "invoiceitem": "invoiceitem",
    "webhook_endpoint": "webhook endpoint",
    "balance_transaction": "balance transaction",
    "customer_balance_transaction": "customer balance transaction",
    "promotion_code": "promotion code",
    "test_helpers.test_clock": "test_clock",
}


class Store:
    def __init__(self, data_dir: Path | None = None, save_interval: float = 0.2) -> None:
        self.lock = threading.RLock()
        self.clock = Clock()
        self.data_dir = data_dir
        self.save_interval = save_interval
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._saver: threading.Thread | None = None
        self._clear()

    def _clear(self) -> None:
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.index: dict[str, str] = {}
        self.seq: dict[str, int] = {}
        self.internal: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, dict[str, Any]] = {}
        self.counter = 0

    # --- objects -------------------------------------------------------------------------

    def insert(self, obj: dict[str, Any], type_: str | None = None) -> dict[str, Any]:
        kind = type_ or obj["object"]
        self.counter += 1
        self.objects.setdefault(kind, {})[obj["id"]] = obj
        self.index[obj["id"]] = kind
        self.seq[obj["id"]] = self.counter
        self.mark_dirty()
        return obj

    def get(self, type_: str, object_id: Any) -> dict[str, Any] | None:
        if not isinstance(object_id, str):
            return None
        return self.objects.get(type_, {}).get(object_id)

    def require(
        self, type_: str, object_id: Any, *, param: str = "id", status: int = 404
    ) -> dict[str, Any]:
        obj = self.get(type_, object_id)
        if obj is None:
            raise missing(KIND_NAMES.get(type_, type_), str(object_id), param=param, status=status)
        return obj

    def find(self, object_id: str) -> dict[str, Any] | None:
        kind = self.index.get(object_id)
        return self.get(kind, object_id) if kind else None

    def delete(self, type_: str, object_id: str) -> None:
        self.objects.get(type_, {}).pop(object_id, None)
        self.index.pop(object_id, None)
        self.seq.pop(object_id, None)
        self.internal.pop(object_id, None)
        self.mark_dirty()

    def all(
        self, type_: str, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> list[dict[str, Any]]:
        """Objects of a type, newest first (Stripe's list order)."""
        items = [o for o in self.objects.get(type_, {}).values() if where is None or where(o)]
        items.sort(key=lambda o: (o.get("created") or 0, self.seq.get(o["id"], 0)), reverse=True)
        return items

    def private(self, object_id: str) -> dict[str, Any]:
        return self.internal.setdefault(object_id, {})

    # --- persistence -----------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        return self.data_dir / "fakestripe-state.json" if self.data_dir else None

    def mark_dirty(self) -> None:
        if self.data_dir:
            self._dirty.set()

    def snapshot(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "clock_offset": self.clock.offset,
            "objects": self.objects,
            "seq": self.seq,
            "internal": self.internal,
            "idempotency": self.idempotency,
            "counter": self.counter,
        }

    def load(self) -> bool:
        path = self.path
        if path is None or not path.exists():
            return False
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # A damaged file must not stop the server; keep it aside for inspection.
            broken = path.with_suffix(".broken.json")
            log.warning("fakestripe: unreadable state file, moved to %s", broken)
            with contextlib.suppress(OSError):
                path.replace(broken)
            return False
        if state.get("version") != STATE_VERSION:
            log.warning("fakestripe: state file version mismatch, starting empty")
            return False
        with self.lock:
            self._clear()
            self.objects = state["objects"]
            self.seq = state["seq"]
            self.internal = state["internal"]
            self.idempotency = state.get("idempotency", {})
            self.counter = state.get("counter", 0)
            self.index = {oid: kind for kind, objs in self.objects.items() for oid in objs}
            self.clock.offset = float(state.get("clock_offset", 0.0))
        return True

    def save(self) -> None:
        path = self.path
        if path is None:
            return
        with self.lock:
            self._dirty.clear()
            payload = json.dumps(self.snapshot(), separators=(",", ":"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write a sibling temp file and rename it over the old one: readers (and a crash at
        # any moment) only ever see a complete file.
        fd, tmp = tempfile.mkstemp(prefix=".fakestripe-state.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            Path(tmp).replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise

    def start_saver(self) -> None:
        if self.data_dir is None or self._saver is not None:
            return
        self._saver = threading.Thread(target=self._save_loop, name="fakestripe-saver", daemon=True)
        self._saver.start()

    def _save_loop(self) -> None:
        while not self._stop.is_set():
            if self._dirty.wait(timeout=0.5) and not self._stop.is_set():
                # Coalesce bursts of writes (one API call touches many objects).
                self._stop.wait(self.save_interval)
                try:
                    self.save()
                except OSError:
                    log.exception("fakestripe: could not save state")

    def close(self) -> None:
        self._stop.set()
        self._dirty.set()  # wakes the saver so it can notice the stop
        if self._saver is not None:
            self._saver.join(timeout=5)
        if self.data_dir is not None:
            self.save()

    def reset(self) -> None:
        with self.lock:
            self._clear()
            self.clock.reset()
            self.mark_dirty()
