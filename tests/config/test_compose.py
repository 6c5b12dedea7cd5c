"""docker-compose.yml cannot run here (no Docker engine), so the stack is checked for what it
needs: resolved as compose resolves it (tests/config/compose.py), and each app container's
environment loaded into the real production settings in a child process, exactly that
environment and nothing else."""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from fakestripe.cli import add_server_options, settings_from

from .compose import ROOT, MissingVariable, compose, compose_raw, dockerignored

APP_SERVICES = ("web", "worker", "bulk-worker", "beat")
SECRETS = ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
# What an operator puts in .env for the demo: the secrets, nothing else.
DEMO_ENV = {
    "DJANGO_SECRET_KEY": "compose-demo-" + "s" * 50,
    "POSTGRES_PASSWORD": "pg-demo-password",
    "STRIPE_SECRET_KEY": "sk_test_compose_demo",
    "STRIPE_WEBHOOK_SECRET": "whsec_compose_demo",
}

LOAD_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
from django.core.management import call_command
call_command("check", deploy=True)  # raises on any error-level finding
db = s.DATABASES["default"]
print(json.dumps({
    "module": s.SETTINGS_MODULE, "debug": s.DEBUG,
    "email": [s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT],
    "database": [db["HOST"], db["PORT"], db["NAME"], db["USER"], db["PASSWORD"]],
    "redis": s.REDIS_URL, "broker": s.CELERY_BROKER_URL,
    "stripe_api_base": s.STRIPE_API_BASE, "webhook_secret": s.STRIPE_WEBHOOK_SECRET,
    "site_url": s.SITE_URL, "hosts": s.ALLOWED_HOSTS,
    "link_scheme": s.ACCOUNT_DEFAULT_HTTP_PROTOCOL, "reveal": s.EMAIL_REVEAL_SECRETS,
}))
"""


def production_settings(env: dict[str, str]) -> dict:
    """Production settings as a container with exactly `env` loads them."""
    done = subprocess.run(
        [sys.executable, "-c", LOAD_SETTINGS],
        cwd=ROOT, env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def stack() -> dict:
    return compose(DEMO_ENV)


@pytest.fixture(scope="module")
def loaded(stack: dict) -> dict[str, dict]:
    return {name: production_settings(stack["services"][name]["environment"])
            for name in APP_SERVICES}  # fmt: skip


def stand_in(stack: dict) -> object:
    parser = argparse.ArgumentParser()
    add_server_options(parser)
    argv = shlex.split(stack["services"]["stripe"]["command"])
    assert argv[:3] == ["python", "-m", "fakestripe"]
    return settings_from(parser.parse_args(argv[3:]))


def published(service: dict) -> dict[int, int]:
    """container port -> host port."""
    pairs = (str(p).split(":") for p in service.get("ports", []))
    return {int(container): int(host) for host, container in pairs}


def test_services_form_the_production_shape(stack: dict) -> None:
    services = stack["services"]
    assert set(services) == {
        "web", "worker", "bulk-worker", "beat", "postgres", "redis", "mail", "stripe",
    }  # fmt: skip
    assert "gunicorn config.wsgi --bind 0.0.0.0:8000" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert "-Q celery,webhooks,emails " in services["worker"]["command"]
    # Bulk mail on a worker of its own: webhooks and receipts never wait behind a mailing.
    assert "-Q bulk " in services["bulk-worker"]["command"]
    assert services["beat"]["command"].startswith("celery -A config beat")
    assert services["mail"]["image"].startswith("axllent/mailpit:v")  # pinned, not latest


@pytest.mark.parametrize("secret", SECRETS)
def test_every_secret_is_required_without_a_default(secret: str) -> None:
    with pytest.raises(MissingVariable) as refused:
        compose({k: v for k, v in DEMO_ENV.items() if k != secret})
    assert refused.value.name == secret
    with pytest.raises(MissingVariable):  # an empty value is no secret either
        compose({**DEMO_ENV, secret: ""})


def test_every_app_container_satisfies_production_settings(loaded: dict[str, dict]) -> None:
    for name, s in loaded.items():
        assert s["module"] == "config.settings.production", name
        assert s["debug"] is False
        assert s["reveal"] is False  # no readable sign-in codes in the compose outbox
        assert s["webhook_secret"] == DEMO_ENV["STRIPE_WEBHOOK_SECRET"]
    assert len({json.dumps(s, sort_keys=True) for s in loaded.values()}) == 1  # one config


def test_email_goes_to_the_mail_service(stack: dict, loaded: dict[str, dict]) -> None:
    backend, host, port = loaded["worker"]["email"]
    assert backend == "django.core.mail.backends.smtp.EmailBackend"
    assert host in stack["services"], f"EMAIL_URL points at {host!r}, which is no service"
    mail = stack["services"][host]
    assert mail["image"].startswith("axllent/mailpit:")
    assert port == 1025  # Mailpit's SMTP port
    assert "MP_SMTP_BIND_ADDR" not in mail.get("environment", {})
    assert published(mail) == {8025: 8025}  # its web UI, where the demo's emails are read
    assert "healthcheck" in mail


def test_database_and_redis_point_at_their_services(stack: dict, loaded: dict[str, dict]) -> None:
    postgres = stack["services"]["postgres"]["environment"]
    host, port, name, user, password = loaded["web"]["database"]
    assert (host, int(port)) == ("postgres", 5432)
    assert (name, user, password) == (
        postgres["POSTGRES_DB"],
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
    )
    assert password == DEMO_ENV["POSTGRES_PASSWORD"]
    for url in (loaded["web"]["redis"], loaded["worker"]["broker"]):
        parts = urlsplit(url)
        assert (parts.hostname, parts.port) == ("redis", 6379)


def test_stripe_api_base_unset_is_the_stand_in_and_empty_is_stripe(
    stack: dict, loaded: dict[str, dict]
) -> None:
    fake = stand_in(stack)
    assert loaded["web"]["stripe_api_base"] == f"http://stripe:{fake.port}"  # type: ignore[attr-defined]
    assert fake.host == "0.0.0.0"  # type: ignore[attr-defined]  # noqa: S104
    real = compose({**DEMO_ENV, "STRIPE_API_BASE": ""})
    assert real["services"]["web"]["environment"]["STRIPE_API_BASE"] == ""
    assert production_settings(real["services"]["web"]["environment"])["stripe_api_base"] == ""


def test_stand_in_webhooks_reach_the_web_service_with_the_shared_secret(
    stack: dict, loaded: dict[str, dict]
) -> None:
    fake = stand_in(stack)
    [(url, secret)] = fake.webhooks  # type: ignore[attr-defined]
    assert secret == loaded["web"]["webhook_secret"]
    target = urlsplit(url)
    assert target.hostname in stack["services"]
    assert target.hostname in loaded["web"]["hosts"]  # Django accepts that Host header
    assert f"--bind 0.0.0.0:{target.port}" in stack["services"][target.hostname]["command"]
    assert target.path == "/stripe/webhook/"


def test_ports_the_browser_uses_are_published(stack: dict, loaded: dict[str, dict]) -> None:
    services = stack["services"]
    site = urlsplit(loaded["web"]["site_url"])
    assert published(services["web"]) == {8000: site.port}
    assert site.hostname in loaded["web"]["hosts"]
    # Account-mail links open on the plain-http demo, https on a real site.
    assert loaded["web"]["link_scheme"] == site.scheme == "http"
    fake = stand_in(stack)
    public = urlsplit(fake.public_url)  # type: ignore[attr-defined]
    assert published(services["stripe"]) == {fake.port: public.port}  # type: ignore[attr-defined]
    for internal in ("postgres", "redis", "worker", "bulk-worker", "beat"):
        assert published(services[internal]) == {}, f"{internal} is reachable from outside"


def test_https_site_url_gives_https_links() -> None:
    env = compose({**DEMO_ENV, "SITE_URL": "https://news.example.org"})
    assert production_settings(env["services"]["web"]["environment"])["link_scheme"] == "https"


def test_data_lives_in_declared_volumes(stack: dict) -> None:
    declared = set(stack["volumes"])
    mounts = {
        name: [str(v).split(":") for v in stack["services"][name].get("volumes", [])]
        for name in ("postgres", "redis")
    }
    assert mounts == {
        "postgres": [["postgres-data", "/var/lib/postgresql/data"]],
        "redis": [["redis-data", "/data"]],
    }
    assert {m[0][0] for m in mounts.values()} <= declared
    assert "--appendonly yes" in stack["services"]["redis"]["command"]


def test_containers_wait_for_healthy_services(stack: dict) -> None:
    services = stack["services"]
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert {k: v["condition"] for k, v in depends.items()} == {
            "postgres": "service_healthy",
            "redis": "service_healthy",
            "mail": "service_healthy",
        }
        for target in depends:
            assert "healthcheck" in services[target], target


def test_healthchecks_probe_readiness_and_the_worker_itself() -> None:
    services = compose_raw()["services"]  # before interpolation: `$$` reaches the shell as `$`
    web = " ".join(services["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/readyz" in web
    for name in ("worker", "bulk-worker"):
        worker = " ".join(services[name]["healthcheck"]["test"])
        assert "celery -A config inspect ping --destination celery@$$HOSTNAME" in worker


@pytest.mark.parametrize(
    ("path", "ignored"),
    [(".env", True), (".env.production", True), ("prod.env", True), (".venv/bin/python", True),
     ("var/mail/1.eml", True), (".git/HEAD", True), ("billing/__pycache__/x.pyc", True),
     ("staticfiles/site.css", True), ("manage.py", False), ("requirements.txt", False),
     ("billing/models/__init__.py", False), ("static/css/site.css", False),
     ("locale/uk/LC_MESSAGES/django.mo", False), ("fakestripe/__main__.py", False)],
)  # fmt: skip
def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image(
    path: str, ignored: bool
) -> None:
    assert dockerignored(path) is ignored


def test_dockerfile_installs_pinned_requirements_and_serves_gunicorn() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile
    assert '"gunicorn", "config.wsgi"' in dockerfile
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            assert "==" in line, f"unpinned requirement: {line}"
