"""`make run`: debug on, dev secrets, email written to files under var/mail."""

import os

# Local work needs no secrets set by hand; production has no such defaults.
os.environ.setdefault("DJANGO_SECRET_KEY", "local-only-not-secret-" + "x" * 40)
os.environ.setdefault("STRIPE_SECRET_KEY", "sk_test_local_demo")
os.environ.setdefault("STRIPE_WEBHOOK_SECRET", "whsec_local_demo")
os.environ.setdefault("STRIPE_API_BASE", "http://127.0.0.1:12111")
os.environ.setdefault("DJANGO_DEBUG", "true")

from .base import *  # noqa: F403
from .base import env

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="members.mail.backends.EmlFileBackend")
# Sign-in codes readable in the staff outbox: there is no other inbox on a dev machine.
EMAIL_REVEAL_SECRETS = env.bool("EMAIL_REVEAL_SECRETS", default=True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
# Static files straight from the app folders; only production collects them.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
