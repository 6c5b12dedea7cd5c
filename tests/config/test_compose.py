"""docker-compose.yml cannot run here (no Docker engine), so it is checked by reading."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_form_the_production_shape() -> None:
    services = load()["services"]
    assert set(services) == {
        "web", "worker", "bulk-worker", "beat", "postgres", "redis", "stripe",
    }  # fmt: skip
    assert "gunicorn config.wsgi" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A config worker")
    assert "-Q celery,webhooks,emails " in services["worker"]["command"]
    # Bulk mail on a worker of its own: webhooks and receipts never wait behind a mailing.
    assert "-Q bulk " in services["bulk-worker"]["command"]
    assert services["beat"]["command"].startswith("celery -A config beat")
    assert "python -m fakestripe" in services["stripe"]["command"]


def test_app_containers_share_settings_and_wait_for_healthy_services() -> None:
    services = load()["services"]
    for name in ("web", "worker", "bulk-worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["DATABASE_URL"].endswith("@postgres:5432/patronage")
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert "DJANGO_SECRET_KEY" in env
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in services[name]


def test_stand_in_webhooks_reach_the_web_service_with_the_shared_secret() -> None:
    services = load()["services"]
    command = services["stripe"]["command"]
    assert "--webhook http://web:8000/stripe/webhook/=${STRIPE_WEBHOOK_SECRET" in command
    assert services["web"]["environment"]["STRIPE_API_BASE"].startswith(
        "${STRIPE_API_BASE:-http://stripe:12111"
    )


def test_dockerfile_installs_pinned_requirements_and_serves_gunicorn() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile
    assert '"gunicorn", "config.wsgi"' in dockerfile
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            assert "==" in line, f"unpinned requirement: {line}"
