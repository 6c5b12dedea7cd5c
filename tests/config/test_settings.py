"""Configuration errors surface at start, naming what is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "throwaway-" + "k" * 50,
    "DJANGO_ALLOWED_HOSTS": "news.example.org",
    "DATABASE_URL": "postgres://u:p@db.example.org:5432/patronage",
    "REDIS_URL": "redis://redis.example.org:6379/0",
    "STRIPE_SECRET_KEY": "sk_live_throwaway",
    "STRIPE_WEBHOOK_SECRET": "whsec_throwaway",
    "EMAIL_URL": "smtp+tls://user:pass@smtp.example.org:587",
}


def start_django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; production never has it.
    skip = {*PRODUCTION_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in skip}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    "missing",
    ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
     "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "EMAIL_URL"],
)  # fmt: skip
def test_missing_production_setting_names_itself(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    done = start_django(env, "check")
    assert done.returncode != 0
    assert f"Set the {missing} environment variable" in done.stderr


def test_production_settings_pass_the_deploy_check() -> None:
    done = start_django(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_cookies_and_passwords() -> None:
    done = start_django(
        PRODUCTION_ENV,
        "shell",
        "-c",
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,"
        " s.CSRF_COOKIE_SECURE, s.DEBUG, s.PASSWORD_HASHERS[0].rsplit('.', 1)[-1])",
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout.strip().splitlines()[-1].split()
    assert printed == ["True", "True", "Lax", "True", "False", "Argon2PasswordHasher"]
