# The two commands a newcomer needs: `make run` and `make test`. Both create the virtualenv,
# and start (or reuse, when DATABASE_URL / REDIS_URL are set) PostgreSQL and Redis.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTACK := $(BIN)/python -m scripts.devstack
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# `manage.py check --deploy` runs under production settings with throwaway secrets.
DEPLOY_ENV := DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY=throwaway-deploy-check-$$RANDOM-0123456789abcdefghijklmnopqrstuvwxyz \
	DJANGO_ALLOWED_HOSTS=news.example.org DATABASE_URL=postgres://u:p@db:5432/x \
	REDIS_URL=redis://redis:6379/0 STRIPE_SECRET_KEY=sk_live_throwaway \
	STRIPE_WEBHOOK_SECRET=whsec_throwaway EMAIL_URL=smtp+tls://u:p@smtp.example.org:587

.PHONY: help
help:
	@echo "make run     the whole site on embedded services, with demo data (http://127.0.0.1:8000)"
	@echo "make test    lint, migration and deploy checks, and every test against real services"
	@echo "make bench   benchmarks against a bare baseline; writes bench/results.md"
	@echo "make fmt     format the code with ruff"

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

.PHONY: venv
venv: $(STAMP)

# Chromium comes from Debian (never a browser download); Playwright drives it.
.PHONY: browser
browser:
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# wrk (the load generator of `make bench`, and of the quick bench in `make test`) also comes
# from Debian, the same way.
.PHONY: wrk
wrk:
	@command -v wrk >/dev/null || { echo "Installing Debian's wrk for the benchmarks"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }

# axe-core (the accessibility checks in tests/a11y) from the npm registry, exactly as pinned
# in tests/a11y/package-lock.json; node and npm from Debian when missing.
A11Y := tests/a11y
$(A11Y)/node_modules/.installed: $(A11Y)/package.json $(A11Y)/package-lock.json
	@command -v npm >/dev/null || { echo "Installing Debian's npm for the accessibility tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm >/dev/null; }
	cd $(A11Y) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: a11y
a11y: $(A11Y)/node_modules/.installed

.PHONY: run
run: venv
	$(DEVSTACK) run

.PHONY: lint
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: fmt
fmt: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: test
test: venv browser wrk a11y lint
	$(DEPLOY_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(DEVSTACK) exec -- $(MAKE) --no-print-directory test-in-stack

# Runs inside `devstack exec`, with DATABASE_URL and REDIS_URL set.
.PHONY: test-in-stack
test-in-stack:
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The site and a bare Django baseline under gunicorn on the same embedded (or given)
# PostgreSQL and Redis, loaded by wrk; writes bench/results.md. A few minutes; see bench/.
.PHONY: bench
bench: venv wrk browser
	$(BIN)/python -m bench $(BENCH_ARGS)

.PHONY: clean
clean:
	rm -rf var/test-mail .pytest_cache .ruff_cache
