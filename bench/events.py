"""A stream of distinct, correctly signed Stripe events built from Stripe's own examples.

The objects are the `invoice` and `charge` of fakestripe/fixtures3.json (Stripe's OpenAPI
examples), wrapped in its `event` envelope, made to look like live traffic: `invoice.paid`
for one of a handful of real paid invoices in the Stripe stand-in (one, two or four lines,
4-7.5 KB), and `charge.succeeded` with a fresh charge id and some metadata (3.7-5 KB). Every
event has its own id. Bodies are rendered from pre-serialised templates by substituting the
ids and the timestamp, so tens of thousands cost well under a second to build and sign.

Signatures are Stripe's scheme (`t=<unix>,v1=<HMAC-SHA256 of "t.body">`) with a timestamp
taken when the batch is built: the site accepts them for STRIPE_WEBHOOK_TOLERANCE (300 s),
so the runner builds one batch per round, right before the round.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import json
import random
import secrets
import statistics
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fakestripe" / "fixtures3.json"
API_VERSION = "2026-10-28.endive"

_EVENT_ID = "__BENCH_EVENT_ID__"
_OBJECT_ID = "__BENCH_OBJECT_ID__"
_CREATED = "__BENCH_CREATED__"


@cache
def _resources() -> dict[str, Any]:
    return json.loads(FIXTURES.read_text())["resources"]


def _fixture(name: str) -> dict[str, Any]:
    return copy.deepcopy(_resources()[name])


def sign(body: bytes, *, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _envelope(type_: str, obj: dict[str, Any]) -> dict[str, Any]:
    event = _fixture("event")
    event.update(
        id=_EVENT_ID,
        type=type_,
        created=_CREATED,
        api_version=API_VERSION,
        data={"object": obj},
        pending_webhooks=1,
        request={"id": None, "idempotency_key": None},
    )
    return event


def _invoice_paid(invoice_id: str, lines: int) -> dict[str, Any]:
    invoice = _fixture("invoice")
    line = invoice["lines"]["data"][0]
    invoice["lines"]["data"] = []
    for n in range(lines):
        item = copy.deepcopy(line)
        item["id"] = f"il_bench{n}{invoice_id[-12:]}"
        item["invoice"] = invoice_id
        invoice["lines"]["data"].append(item)
    invoice["lines"]["url"] = f"/v1/invoices/{invoice_id}/lines"
    invoice.update(
        id=invoice_id,
        status="paid",
        paid=True,
        amount_paid=invoice["amount_due"],
        amount_remaining=0,
        attempted=True,
        attempt_count=1,
        billing_reason="subscription_cycle",
        status_transitions={
            "finalized_at": _CREATED,
            "marked_uncollectible_at": None,
            "paid_at": _CREATED,
            "voided_at": None,
        },
    )
    return _envelope("invoice.paid", invoice)


def _charge_succeeded(metadata_keys: int) -> dict[str, Any]:
    charge = _fixture("charge")
    charge.update(
        id=_OBJECT_ID,
        status="succeeded",
        paid=True,
        captured=True,
        amount_captured=charge["amount"],
        metadata={f"key_{n}": f"value {n} of a patron's note" for n in range(metadata_keys)},
    )
    return _envelope("charge.succeeded", charge)


def _serialise(event: dict[str, Any]) -> bytes:
    # `"__BENCH_CREATED__"` becomes a bare integer when rendered.
    return json.dumps(event).encode()


@dataclass(frozen=True)
class Template:
    type: str
    body: bytes


def templates(invoice_ids: list[str]) -> list[Template]:
    """The shapes a batch draws from: each invoice with 1, 2 or 4 lines, and charges of 3
    sizes."""
    out = [
        Template("invoice.paid", _serialise(_invoice_paid(invoice_id, lines)))
        for invoice_id in invoice_ids
        for lines in (1, 2, 4)
    ]
    out += [
        Template("charge.succeeded", _serialise(_charge_succeeded(keys))) for keys in (0, 8, 20)
    ]
    return out


@dataclass
class Batch:
    """One round's events, split into one file per wrk thread."""

    prefix: Path
    created: int
    # Per thread: (event number, template index, body size), in the order wrk sends them.
    events: list[list[tuple[int, int, int]]]

    def sent(self, per_thread: list[int]) -> list[tuple[int, int, int]]:
        """The events wrk generated requests for, given how many each thread sent."""
        return [
            event for events, n in zip(self.events, per_thread, strict=True) for event in events[:n]
        ]

    def remove_files(self) -> None:
        for index in range(len(self.events)):
            Path(f"{self.prefix}.{index}").unlink(missing_ok=True)


class EventStream:
    """Builds batches of distinct events; every event number is used once per run."""

    def __init__(self, *, secret: str, invoice_ids: list[str], seed: int = 6) -> None:
        self.secret = secret
        self.templates = templates(invoice_ids)
        self.random = random.Random(seed)
        # A run tag keeps ids distinct from any earlier run against the same database.
        self.tag = secrets.token_hex(4)
        self.next_number = 0

    def event_id(self, number: int) -> str:
        return f"evt_bench_{self.tag}_{number:010d}"

    def type_of(self, template: int) -> str:
        return self.templates[template].type

    def render(self, number: int, template: int, created: int) -> bytes:
        body = self.templates[template].body
        body = body.replace(_EVENT_ID.encode(), self.event_id(number).encode())
        body = body.replace(_OBJECT_ID.encode(), f"ch_bench_{self.tag}_{number:010d}".encode())
        return body.replace(f'"{_CREATED}"'.encode(), str(created).encode())

    def signed(self, number: int, template: int, created: int) -> tuple[bytes, str]:
        """A body and a fresh signature for it (also for redeliveries)."""
        body = self.render(number, template, created)
        return body, sign(body, secret=self.secret, timestamp=int(time.time()))

    def batch(self, *, count: int, threads: int, prefix: Path) -> Batch:
        """`count` new events, signed now, written as `<prefix>.<thread>` files for wrk.

        Half are `invoice.paid` and half `charge.succeeded`, shuffled with a fixed seed.
        """
        created = int(time.time())
        invoices = [i for i, t in enumerate(self.templates) if t.type == "invoice.paid"]
        charges = [i for i, t in enumerate(self.templates) if t.type != "invoice.paid"]
        events: list[list[tuple[int, int, int]]] = [[] for _ in range(threads)]
        with contextlib.ExitStack() as stack:
            files = [stack.enter_context(Path(f"{prefix}.{i}").open("wb")) for i in range(threads)]
            for n in range(count):
                number = self.next_number
                self.next_number += 1
                pool = invoices if self.random.random() < 0.5 else charges
                template = self.random.choice(pool)
                body = self.render(number, template, created)
                signature = sign(body, secret=self.secret, timestamp=created)
                thread = n % threads
                files[thread].write(signature.encode() + b"\t" + body + b"\n")
                events[thread].append((number, template, len(body)))
        return Batch(prefix=prefix, created=created, events=events)


def size_summary(sizes: list[int]) -> dict[str, int]:
    if not sizes:
        return {"min": 0, "median": 0, "max": 0}
    return {"min": min(sizes), "median": int(statistics.median(sizes)), "max": max(sizes)}
