"""One rule for every entry point: without DJANGO_SETTINGS_MODULE, manage.py, the WSGI and
ASGI applications and the Celery app all load production settings. Each runs as a real
process with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.config.test_settings import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parents[2]

SHOW = "from django.conf import settings; print('settings:', settings.SETTINGS_MODULE)"
ENTRY_POINTS = {
    "manage.py": ["manage.py", "shell", "-c", SHOW],
    "wsgi": ["-c", f"from config.wsgi import application; {SHOW}"],
    "asgi": ["-c", f"from config.asgi import application; {SHOW}"],
    # The worker and beat start through the Celery CLI on `-A config`; `report` loads the
    # app's configuration (Django's settings) as they do, and prints it.
    "celery": ["-m", "celery", "-A", "config", "report"],
}


def start(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Nothing from this test process: it runs under test settings, which put development
    # secrets into os.environ.
    skip = {*PRODUCTION_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE", "STRIPE_API_BASE"}
    base = {k: v for k, v in os.environ.items() if k not in skip}
    return subprocess.run(
        [sys.executable, *argv],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_without_a_settings_module_every_entry_point_runs_production(entry: str) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = start(ENTRY_POINTS[entry], env)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "settings: config.settings.production" in out or (
        "SETTINGS_MODULE: 'config.settings.production'" in out
    ), out[-3000:]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_without_settings_or_secrets_every_entry_point_refuses_to_start(entry: str) -> None:
    """Never a silent fallback to development settings with their built-in secrets."""
    done = start(ENTRY_POINTS[entry], {})
    assert done.returncode != 0, done.stdout[-3000:]
    assert "Set the DJANGO_SECRET_KEY environment variable" in done.stderr


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_an_explicit_settings_module_wins(entry: str) -> None:
    done = start(ENTRY_POINTS[entry], {"DJANGO_SETTINGS_MODULE": "config.settings.local",
                                       "DATABASE_URL": PRODUCTION_ENV["DATABASE_URL"],
                                       "REDIS_URL": PRODUCTION_ENV["REDIS_URL"]})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "config.settings.local" in done.stdout
