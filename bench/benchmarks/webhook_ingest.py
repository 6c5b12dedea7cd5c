"""Webhook ingest: a stream of distinct, signed Stripe events against a view that inserts one
row with a unique key, fed the same bodies.

Ours verifies the signature on the raw body, stores the event with one INSERT .. ON CONFLICT
DO NOTHING and queues its processing on commit. After the rounds, every event wrk sent must
be in the inbox exactly once (events cut off in flight when a round ended are redelivered,
as Stripe would; a sample is redelivered again and must be recognised as duplicates). Then a
real Celery worker starts and drains the queue: `invoice.paid` events refetch one of a
handful of real paid invoices from the Stripe stand-in and end "processed", the unhandled
`charge.succeeded` events end "ignored", none "failed"; one payment and one receipt per
invoice, however many events named it.

The worker is not running during the rounds: on a small machine it would compete with the
web server for the same cores, and the drain is measured on its own instead.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from dataclasses import dataclass

import psycopg

from bench.baseline.schema import row_count
from bench.events import EventStream, size_summary
from bench.http import request
from bench.load import LoadResult

from .base import Benchmark, Check, Context, Measured, RoundInput

DUPLICATE_SAMPLE = 20
# Any invoice id, for running without the Stripe stand-in (the drain is then not checked).
PLACEHOLDER_INVOICES = ["in_1Pgc6tB7WZ01zgkWu9fdqL6I"]


@dataclass(frozen=True)
class Sent:
    number: int
    template: int
    created: int


class WebhookIngest(Benchmark):
    name = "webhook_ingest"
    title = "Webhook ingest (POST /stripe/webhook/, distinct signed Stripe events)"
    ours = "/stripe/webhook/"
    baseline = "/insert"
    baseline_label = "insert-one-row view"
    goal = 0.60

    def __init__(self) -> None:
        self.stream: EventStream | None = None
        self.sent: dict[str, Sent] = {}
        self.baseline_sent = 0
        self.sizes: list[int] = []
        self.rounds = 0

    def _headers(self, signature: str) -> dict[str, str]:
        return {"Content-Type": "application/json", "Stripe-Signature": signature}

    def _post(self, ctx: Context, sent: Sent) -> tuple[int, dict]:
        assert self.stream is not None
        body, signature = self.stream.signed(sent.number, sent.template, sent.created)
        status, answer = request(
            ctx.site_url + self.ours, data=body, headers=self._headers(signature)
        )
        try:
            return status, json.loads(answer)
        except ValueError:
            return status, {}

    def setup(self, ctx: Context) -> list[Check]:
        self.stream = EventStream(
            secret=ctx.webhook_secret, invoice_ids=ctx.invoice_ids or PLACEHOLDER_INVOICES
        )
        first = Sent(self.stream.next_number, 0, int(time.time()))
        self.stream.next_number += 1
        status, answer = self._post(ctx, first)
        self.sent[self.stream.event_id(first.number)] = first
        body, signature = self.stream.signed(first.number, first.template, first.created)
        forged = signature[:-4] + "0000"
        refused, _ = request(ctx.site_url + self.ours, data=body, headers=self._headers(forged))
        base_status, base_answer = request(
            ctx.baseline_url + self.baseline, data=body, headers=self._headers(signature)
        )
        self.baseline_sent += 1
        return [
            Check(
                "a signed event is accepted and stored",
                status == 200 and answer == {"received": True, "duplicate": False},
                f"status {status}: {answer}",
            ),
            Check("a forged signature is refused", refused == 400, f"status {refused}"),
            Check(
                "baseline stores a row",
                base_status == 200,
                f"status {base_status}: {base_answer!r}",
            ),
        ]

    def round_input(self, ctx: Context, *, expected_requests: int) -> RoundInput:
        assert self.stream is not None
        self.rounds += 1
        prefix = ctx.workdir / f"bodies-{self.rounds}"
        batch = self.stream.batch(count=expected_requests, threads=ctx.load.threads, prefix=prefix)
        return RoundInput(bodies_prefix=prefix, payload=batch)

    def after_round(
        self, ctx: Context, data: RoundInput, ours: LoadResult, baseline: LoadResult
    ) -> None:
        assert self.stream is not None
        batch = data.payload
        for number, template, size in batch.sent(ours.sent_per_thread):
            self.sent[self.stream.event_id(number)] = Sent(number, template, batch.created)
            self.sizes.append(size)
        self.baseline_sent += sum(baseline.sent_per_thread)
        batch.remove_files()

    def verify(self, ctx: Context, measured: Measured) -> list[Check]:
        assert self.stream is not None
        checks: list[Check] = []
        with psycopg.connect(ctx.database_url, autocommit=True) as conn:
            checks += self._exactly_once(ctx, conn, measured)
            checks += self._drain(ctx, conn, measured)
        return checks

    def _exactly_once(
        self, ctx: Context, conn: psycopg.Connection, measured: Measured
    ) -> list[Check]:
        stored = {row[0] for row in conn.execute("SELECT stripe_id FROM billing_webhookevent")}
        extra = stored - self.sent.keys()
        missing = sorted(self.sent.keys() - stored)
        # Requests still in flight when wrk stopped a round got no answer; Stripe would
        # deliver those again, and so do we. They must be stored now, as new events.
        redelivered = [self._post(ctx, self.sent[event_id]) for event_id in missing]
        redelivered_ok = all(s == 200 and a.get("duplicate") is False for s, a in redelivered)
        sample = random.Random(6).sample(sorted(stored), min(DUPLICATE_SAMPLE, len(stored)))
        again = [self._post(ctx, self.sent[event_id]) for event_id in sample]
        duplicates_ok = all(s == 200 and a.get("duplicate") is True for s, a in again)
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT stripe_id) FROM billing_webhookevent"
        ).fetchone()
        final = {row[0] for row in conn.execute("SELECT stripe_id FROM billing_webhookevent")}
        baseline_rows = row_count(conn)
        sizes = size_summary(self.sizes)
        measured.facts += [
            f"events sent to the site: {len(self.sent)} "
            f"({Counter(self._type(s) for s in self.sent.values()).most_common()}); "
            f"body sizes {sizes['min']}-{sizes['max']} bytes, median {sizes['median']}",
            f"cut off in flight at the end of a round and redelivered: {len(missing)}; "
            f"redelivered again as duplicates: {len(sample)}",
            f"baseline rows stored: {baseline_rows} of {self.baseline_sent} bodies sent",
        ]
        return [
            Check("no stored event that was not sent", not extra, f"{len(extra)} unexpected"),
            Check(
                "in-flight events redelivered and stored",
                redelivered_ok,
                f"{len(missing)} redelivered",
            ),
            Check(
                "redelivered events are recognised as duplicates",
                duplicates_ok and total == distinct,
                f"{len(sample)} sent again; {total} rows, {distinct} distinct ids",
            ),
            Check(
                "every event sent is in the inbox exactly once",
                final == self.sent.keys() and total == len(self.sent),
                f"{len(self.sent)} sent, {total} rows",
            ),
        ]

    def _type(self, sent: Sent) -> str:
        assert self.stream is not None
        return self.stream.type_of(sent.template)

    def _drain(self, ctx: Context, conn: psycopg.Connection, measured: Measured) -> list[Check]:
        if not ctx.stripe_url:
            measured.facts.append("drain: not measured, the Stripe stand-in could not start")
            return [Check("the worker drains the inbox", False, "Stripe stand-in unavailable")]
        pending_sql = "SELECT count(*) FROM billing_webhookevent WHERE status = 'pending'"
        outbox_sql = (
            "SELECT count(*) FROM members_outboundemail WHERE status IN ('pending', 'sending')"
        )
        queued = conn.execute(pending_sql).fetchone()[0]
        ctx.say(f"starting a Celery worker to drain {queued} events")
        started = time.monotonic()
        worker = ctx.start_worker()
        ready = time.monotonic()
        timeout = 120 + len(self.sent) / 20  # bounds a hang, not a speed assertion
        drained = False
        try:
            while time.monotonic() - ready < timeout:
                if not worker.alive():
                    break
                if conn.execute(pending_sql).fetchone()[0] == 0:
                    inbox_done = time.monotonic()
                    if conn.execute(outbox_sql).fetchone()[0] == 0:
                        drained = True
                        break
                time.sleep(0.2)
            else:
                inbox_done = time.monotonic()
            finished = time.monotonic()
        finally:
            worker.stop()
        statuses = Counter(
            {
                (type_, status): n
                for type_, status, n in conn.execute(
                    "SELECT type, status, count(*) FROM billing_webhookevent GROUP BY 1, 2"
                )
            }
        )
        by_type = Counter(self._type(s) for s in self.sent.values())
        payments, payment_invoices = conn.execute(
            "SELECT count(*), count(DISTINCT stripe_invoice_id) FROM billing_payment"
        ).fetchone()
        receipts = conn.execute(
            "SELECT count(*) FROM members_outboundemail WHERE kind = 'receipt' AND status = 'sent'"
        ).fetchone()[0]
        seconds = finished - ready
        ctx.say(f"drained in {seconds:.1f} s" if drained else f"not drained after {seconds:.0f} s")
        inbox_seconds = (inbox_done - ready) if drained else seconds
        rate = queued / inbox_seconds if inbox_seconds else 0.0
        measured.facts.append(
            f"drain: a worker with concurrency {ctx.cores} (ready in {ready - started:.1f} s) "
            f"processed {queued} queued events in {inbox_seconds:.1f} s ({rate:.0f} events/s); "
            f"with the receipts sent, {seconds:.1f} s"
        )
        measured.facts.append(
            "statuses: " + ", ".join(f"{t} {s}: {n}" for (t, s), n in sorted(statuses.items()))
        )
        invoices = len(ctx.invoice_ids)
        return [
            Check("the worker drains the inbox", drained, f"{seconds:.1f} s"),
            Check(
                "invoice.paid processed, charge.succeeded ignored, none failed",
                statuses
                == Counter(
                    {
                        ("invoice.paid", "processed"): by_type["invoice.paid"],
                        ("charge.succeeded", "ignored"): by_type["charge.succeeded"],
                    }
                ),
                ", ".join(f"{t} {s}: {n}" for (t, s), n in sorted(statuses.items())),
            ),
            Check(
                "one payment and one receipt per invoice",
                payments == payment_invoices == receipts == invoices,
                f"{invoices} invoices, {payments} payments, {receipts} receipts sent",
            ),
        ]
