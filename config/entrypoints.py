"""Which settings a process uses when DJANGO_SETTINGS_MODULE is not set: one rule for every
entry point (manage.py, config.wsgi, config.asgi and the Celery app).

The default is production. A process started without the variable runs with production's
checks, or stops at once naming the secret it lacks; it never starts with debug on and
development secrets, whichever entry point it came through. Local work says so: `make run`
and `scripts.devstack` set `config.settings.local`, pytest sets `config.settings.test`
(pyproject.toml), and a one-off command sets the variable itself (README).
"""

import os

DEFAULT_SETTINGS_MODULE = "config.settings.production"


def use_default_settings() -> str:
    """Set DJANGO_SETTINGS_MODULE to the default unless the environment chose; return it."""
    return os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS_MODULE)
