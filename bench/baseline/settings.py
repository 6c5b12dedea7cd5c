"""Settings of the baseline: only what Django needs to answer and to talk to PostgreSQL.

The database block repeats the site's (config/settings/base.py) on purpose, line for line:
the same DATABASE_URL server, CONN_MAX_AGE and CONN_HEALTH_CHECKS, so that a ratio compares
our code with a bare Django, not two ways of connecting. tests/bench checks they stay equal.
"""

import environ

env = environ.Env()

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
ROOT_URLCONF = "bench.baseline.urls"
WSGI_APPLICATION = "bench.baseline.wsgi.application"

# Nothing between the request and the view: this is the ceiling.
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
TEMPLATES: list[dict] = []

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
