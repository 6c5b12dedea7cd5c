"""Settings shared by every environment. Everything that varies comes from the environment
through one django-environ `env`; the README lists each variable."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
# A .env file is a convenience for local work; the environment always wins.
if (BASE_DIR / ".env").exists():
    env.read_env(str(BASE_DIR / ".env"))

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "django_countries",
    "members",
    "billing",
    "support",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "config.context_processors.newsroom",
            ],
        },
    },
]

# --- Data ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env.str("CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": "cache",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 2,
        },
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# /readyz shows every check's details to a request with `Authorization: Bearer <token>`
# (monitoring), as it does to staff with members.view_health. Empty: no token works.
HEALTH_TOKEN = env.str("HEALTH_TOKEN", default="")

# --- Identity --------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: email is the login; verification is mandatory before a password login.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming the address logs the new member in, but only in the browser session that signed
# up (allauth checks the pending sign-up in the session), so a leaked link logs nobody in.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "request_login_code": "20/m/ip,3/m/key",
    "change_password": "5/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("uk", _("Ukrainian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Email -----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="The Newsroom <support@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
# Keep the bodies of emails that carry a credential (sign-in codes, password-reset and
# confirmation links) readable in the ledger, the staff outbox and the admin. Off: they are
# stored hidden and nobody, staff included, can read them (members/mail/hidden.py). Only for
# the local file backend, where the outbox is how a newcomer reads their code.
EMAIL_REVEAL_SECRETS = env.bool("EMAIL_REVEAL_SECRETS", default=False)

# --- The newsroom this instance serves -------------------------------------------------
NEWSROOM = {
    "NAME": env.str("NEWSROOM_NAME", default="The Harbour Ledger"),
    "LEGAL_NAME": env.str("NEWSROOM_LEGAL_NAME", default="Harbour Ledger Media gGmbH"),
    "ADDRESS": env.str("NEWSROOM_ADDRESS", default="Hafenstraße 12, 20457 Hamburg, Germany"),
    "ACCENT": env.str("NEWSROOM_ACCENT", default="#b3261e"),
    "SUPPORT_EMAIL": env.str("NEWSROOM_SUPPORT_EMAIL", default="support@example.org"),
}

# --- Stripe ----------------------------------------------------------------------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET")
# Empty means Stripe itself; the Stripe stand-in sets it to its own address.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
STRIPE_WEBHOOK_TOLERANCE = env.int("STRIPE_WEBHOOK_TOLERANCE", default=300)

# --- Celery ----------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
# Our tasks record their outcome in the database (the inbox row, the email ledger); nothing
# reads their return values. Storing them anyway made every `delay()` SUBSCRIBE to a result
# channel in Redis, about a tenth of a webhook request in bench/ profiles. A task that needs
# its result opts in with `ignore_result=False`.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
# Redis redelivers an unacknowledged task after the visibility timeout. It must exceed the
# longest countdown we use (retry backoff is capped at 10 minutes) and the hard time limit,
# or a task still running or waiting would be delivered twice.
CELERY_VISIBILITY_TIMEOUT = 3600
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fix-up closes the database connection around every task unless told to
# reuse it; a new PostgreSQL connection per webhook event was most of the drain time.
# CONN_HEALTH_CHECKS still replaces a connection that went bad.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=200)
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Declared, so that workers, routes and `purge` agree: webhooks and receipts never wait
# behind bulk email (vote invitations and reminders to every patron, news), which has its own.
CELERY_TASK_QUEUES = [Queue("celery"), Queue("webhooks"), Queue("emails"), Queue("bulk")]
CELERY_TASK_ROUTES = {
    "billing.tasks.process_webhook_event": {"queue": "webhooks"},
    "billing.tasks.drain_webhook_inbox": {"queue": "webhooks"},
    "members.tasks.send_email": {"queue": "emails"},
    "members.tasks.send_bulk_emails": {"queue": "bulk"},
    "support.voting.tasks.mailing_step": {"queue": "bulk"},
}
CELERY_TIMEZONE = TIME_ZONE

# --- Logging ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The stripe library logs every request at INFO; our gateway logs what matters.
        "stripe": {"level": "WARNING"},
    },
}

# --- What readers can pay ---------------------------------------------------------------
BILLING_CURRENCIES = [("eur", "EUR €"), ("usd", "USD $"), ("gbp", "GBP £")]
BILLING_DEFAULT_CURRENCY = env.str("BILLING_DEFAULT_CURRENCY", default="eur")
BILLING_ONE_TIME_MINIMUM = env.int("BILLING_ONE_TIME_MINIMUM", default=200)
# Checkouts a client address (ip) and a browser session (key) may start, in allauth's rate
# notation: each one is a Stripe call (billing/throttle.py).
BILLING_CHECKOUT_RATE_LIMITS = env.str(
    "BILLING_CHECKOUT_RATE_LIMITS", default="20/10m/ip,10/10m/key"
)

# --- The newsroom's articles (its CMS, on another site) ----------------------------------
# Origins (scheme://host[:port]) whose article pages may frame the "support us" widget
# (CSP frame-ancestors of /embed/support/; nothing else here may be framed) and whose URLs
# corrections and checkout attribution accept. Empty: no site may frame the widget, and any
# http(s) article address is accepted.
NEWSROOM_ARTICLE_ORIGINS = env.list("NEWSROOM_ARTICLE_ORIGINS", default=[])
# Origins whose browser scripts may call the members API (CORS), and where the token hand-over
# may send the reader back to. Default: the article origins.
NEWSROOM_CMS_ORIGINS = env.list("NEWSROOM_CMS_ORIGINS", default=NEWSROOM_ARTICLE_ORIGINS)
# Members API tokens last this many days (the reader signs in again after that).
MEMBERS_API_TOKEN_DAYS = env.int("MEMBERS_API_TOKEN_DAYS", default=30)
# Corrections from readers: reports a client address may send (allauth's rate notation), the
# fewest seconds between showing the form and sending it (faster is a script), and the most
# links a report may carry.
CORRECTIONS_RATE_LIMITS = env.str("CORRECTIONS_RATE_LIMITS", default="5/10m/ip,20/1d/ip")
CORRECTIONS_MIN_SECONDS = env.int("CORRECTIONS_MIN_SECONDS", default=3)
CORRECTIONS_MAX_LINKS = env.int("CORRECTIONS_MAX_LINKS", default=3)

# Beat: sweepers that finish what a lost task left (Redis down, a worker killed).
CELERY_BEAT_SCHEDULE = {
    "sweep-webhook-inbox": {"task": "billing.tasks.sweep_webhook_inbox", "schedule": 60.0},
    "sweep-outbox": {"task": "members.tasks.sweep_outbox", "schedule": 60.0},
    "sweep-stripe-commands": {"task": "billing.tasks.sweep_stripe_commands", "schedule": 60.0},
    # Every day in January (the ledger sends each member's statement once): a day the worker
    # was down is made up the next morning.
    "expire-grants": {"task": "billing.tasks.expire_grants", "schedule": 600.0},
    # Gifts dated today go out in the morning (and any a stopped worker missed, next run).
    "deliver-gifts": {"task": "billing.tasks.deliver_gifts", "schedule": crontab(minute=0)},
    # Three days before Stripe resumes a paused membership (hourly: on time to the hour).
    "remind-pause-endings": {
        "task": "billing.tasks.remind_pause_endings",
        "schedule": crontab(minute=20),
    },
    "remind-gift-endings": {
        "task": "billing.tasks.remind_gift_endings",
        "schedule": crontab(hour=9, minute=0),
    },
    "reconcile-with-stripe": {
        "task": "billing.tasks.reconcile_with_stripe",
        "schedule": crontab(hour=3, minute=15),
    },
    "send-giving-statements": {
        "task": "billing.tasks.send_giving_statements",
        "schedule": crontab(hour=7, minute=30, month_of_year="1"),
    },
    # Personal data in stored webhook payloads is kept 30 days (billing.webhooks.retention).
    "redact-webhook-payloads": {
        "task": "billing.tasks.redact_webhook_payloads",
        "schedule": 3600.0,
    },
    # Voting rounds open and close on time (within a minute), reminders go a day before the
    # close, refunds and disputes during a round flag ballots. Idempotent.
    "voting-rounds-tick": {"task": "support.voting.tasks.rounds_tick", "schedule": 30.0},
}
