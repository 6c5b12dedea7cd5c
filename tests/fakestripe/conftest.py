"""Fixtures for the stand-in's own tests: one real server process per session (reset before
each test), a webhook receiver it delivers to, and a ``stripe.StripeClient`` pointed at it.

Nothing here needs Django; the suite runs the same with or without pytest-django.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe

from fakestripe.control import FakeStripeControl
from fakestripe.testing import running_server
from tests.fakestripe.receiver import WebhookReceiver

API_KEY = "sk_test_fakestripe_suite"


@pytest.fixture(autouse=True)
def _clean_slate() -> None:
    """Overrides the project-wide fixture: these tests send no mail, use no cache and must not
    need Django settings."""


@pytest.fixture(scope="session")
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver()
    yield hook
    hook.close()


@pytest.fixture(scope="session")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fakestripe")


@pytest.fixture(scope="session")
def server(receiver: WebhookReceiver, server_dir: Path) -> Iterator[str]:
    with running_server(
        data_dir=server_dir,
        webhooks=[(receiver.url, receiver.secret)],
        retry_base_seconds=0.1,
        retry_attempts=3,
    ) as base_url:
        yield base_url


@pytest.fixture
def control(server: str, receiver: WebhookReceiver) -> Iterator[FakeStripeControl]:
    """A reset stand-in; the receiver only sees this test's events."""
    ctl = FakeStripeControl(server)
    ctl.reset()
    receiver.clear()
    yield ctl
    # Let this test's deliveries finish so they cannot land in the next test.
    ctl.release_webhooks()
    ctl.wait_idle(timeout=20)


@pytest.fixture
def client(server: str, control: FakeStripeControl) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": server}, max_network_retries=0)
