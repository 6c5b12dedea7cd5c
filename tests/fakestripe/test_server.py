"""The server process: start-up line, options, persistence across restarts, reset, clean
shutdown, configuration from the environment, and the command-line client."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import stripe

from fakestripe.control import FakeStripeControl
from fakestripe.testing import running_server
from tests.fakestripe.helpers import DAY, make_price, subscribe
from tests.fakestripe.receiver import WebhookReceiver

pytestmark = pytest.mark.stripe

ROOT = Path(__file__).resolve().parents[2]


def _client(base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        "sk_test_restart", base_addresses={"api": base}, max_network_retries=0
    )


def test_state_survives_a_restart_and_reset_clears_it(tmp_path: Path) -> None:
    with running_server(data_dir=tmp_path) as base:
        client, control = _client(base), FakeStripeControl(base)
        price = make_price(client, lookup_key="kept")
        sub = subscribe(client, control, price)
        control.advance(days=10)
        # Idempotency keys live 24 hours of (virtual) time, so this one is still fresh below.
        customer = client.v1.customers.create(
            params={"email": "kept@example.com"}, options={"idempotency_key": "same"}
        )
        clock_before = control.now()
    assert (tmp_path / "fakestripe-state.json").exists()

    with running_server(data_dir=tmp_path) as base:
        client, control = _client(base), FakeStripeControl(base)
        assert client.v1.prices.list(params={"lookup_keys": ["kept"]}).data[0].id == price.id
        assert client.v1.customers.retrieve(customer.id).email == "kept@example.com"
        assert client.v1.subscriptions.retrieve(sub.id).status == "active"
        assert control.now() >= clock_before
        replay = client.v1.customers.create(
            params={"email": "kept@example.com"}, options={"idempotency_key": "same"}
        )
        assert replay.id == customer.id
        assert client.v1.events.list().data
        control.advance(days=25)
        assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 2

        control.reset()
        assert client.v1.products.list().data == []
        assert client.v1.events.list().data == []
        assert control.now() - control.clock()["real"] < 5

    with running_server(data_dir=tmp_path) as base:
        assert _client(base).v1.customers.list().data == []


def test_undelivered_webhooks_are_sent_after_a_restart(tmp_path: Path) -> None:
    receiver = WebhookReceiver()
    try:
        receiver.fail_next(1)
        hooks = [(receiver.url, receiver.secret)]
        with running_server(data_dir=tmp_path, webhooks=hooks, retry_base_seconds=30) as base:
            customer = _client(base).v1.customers.create(params={"email": "late@example.com"})
            control = FakeStripeControl(base)
            receiver.wait_for(control.deliveries)
        assert receiver.events == []
        with running_server(data_dir=tmp_path, webhooks=hooks) as base:
            receiver.wait_for(lambda: receiver.of_type("customer.created"))
        assert receiver.events[0]["data"]["object"]["id"] == customer.id
    finally:
        receiver.close()


def test_start_line_options_and_clean_shutdown(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable, "-m", "fakestripe", "--port", "0", "--data-dir", str(tmp_path),
            "--public-url", "http://stripe.example.test:4242", "--business-name", "Daily Paper",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.match(
            r"fakestripe listening on (http://127\.0\.0\.1:\d+) \(public URL "
            r"http://stripe\.example\.test:4242\)$",
            line.strip(),
        )
        assert match, line
        base = match.group(1)
        client = _client(base)
        price = make_price(client)
        session = client.v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "line_items": [{"price": price.id, "quantity": 1}],
                "success_url": "https://site.test/ok",
            }
        )
        assert session.url.startswith("http://stripe.example.test:4242/c/pay/cs_test_")
        page = requests.get(f"{base}/c/pay/{session.id}", timeout=5)
        assert "Daily Paper" in page.text
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "fakestripe stopped" in output
    assert "development server" not in output
    assert "Traceback" not in output


def test_webhooks_from_the_environment(tmp_path: Path) -> None:
    receiver = WebhookReceiver(secret="whsec_from_env")
    try:
        env = {"FAKESTRIPE_WEBHOOKS": f"{receiver.url}=whsec_from_env"}
        with running_server(data_dir=tmp_path, env=env) as base:
            _client(base).v1.customers.create(params={"email": "env@example.com"})
            receiver.wait_for(lambda: receiver.of_type("customer.created"))
        assert receiver.rejected == []
    finally:
        receiver.close()


def test_command_line_client(tmp_path: Path) -> None:
    with running_server(data_dir=tmp_path) as base:
        client, control = _client(base), FakeStripeControl(base)
        sub = subscribe(client, control, make_price(client))
        start = control.now()

        def cli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "fakestripe.cli", "--url", base, *args],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                timeout=60,
                check=False,
            )

        advanced = cli("advance", "--days", "31")
        assert advanced.returncode == 0, advanced.stderr
        assert "renew" in advanced.stdout
        assert sub.id in advanced.stdout
        assert control.now() >= start + 31 * DAY
        health = cli("health")
        assert '"status": "ok"' in health.stdout
        assert cli("reset").returncode == 0
        assert client.v1.subscriptions.list().data == []
    unreachable = subprocess.run(
        [sys.executable, "-m", "fakestripe.cli", "--url", "http://127.0.0.1:9", "clock"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )
    assert unreachable.returncode == 2
    assert "cannot reach" in unreachable.stderr


def test_bad_options_are_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fakestripe", "--webhook", "no-secret-here"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "URL=SECRET" in result.stderr


def test_a_taken_port_is_reported_plainly(tmp_path: Path) -> None:
    with running_server(data_dir=tmp_path) as base:
        port = base.rsplit(":", 1)[1]
        result = subprocess.run(
            [sys.executable, "-m", "fakestripe", "--port", port, "--quiet"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
