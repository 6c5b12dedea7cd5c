"""pytest: the real services (PostgreSQL, Redis, Celery worker, Stripe stand-in), no eager
Celery; only what makes tests deterministic or fast differs from local."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret-" + "x" * 40)
os.environ.setdefault("STRIPE_SECRET_KEY", "sk_test_suite")
os.environ.setdefault("STRIPE_WEBHOOK_SECRET", "whsec_test_suite")
os.environ.setdefault("STRIPE_API_BASE", "http://127.0.0.1:12112")

from .base import *  # noqa: F403
from .base import CACHES, VAR_DIR, env

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="members.mail.backends.EmlFileBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "test-mail"))
# As `make run` (the file backend); tests of the production behaviour turn it off.
EMAIL_REVEAL_SECRETS = env.bool("EMAIL_REVEAL_SECRETS", default=True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# Argon2 costs ~50 ms per hash by design; tests that check hashing override this back.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
# Separate cache keys from a `make run` sharing the same Redis.
CACHES["default"]["KEY_PREFIX"] = "test-cache"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files straight from the app folders; only production collects them.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# Taking billing's advisory locks out of their one order raises (billing/locks.py), in the test
# process and in the worker the tests start.
BILLING_CHECK_LOCK_ORDER = True
# The newsroom's articles and CMS, as the tests name them (a test serving its own article
# page adds that page's origin).
NEWSROOM_ARTICLE_ORIGINS = env.list(
    "NEWSROOM_ARTICLE_ORIGINS", default=["https://news.example.org"]
)
NEWSROOM_CMS_ORIGINS = env.list("NEWSROOM_CMS_ORIGINS", default=["https://news.example.org"])
