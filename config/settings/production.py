"""Production: every secret from the environment, no defaults, so a missing one fails at start
and names itself (django-environ raises ImproperlyConfigured naming the variable)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET")

# Links in account mail (allauth) take SITE_URL's scheme: https, unless SITE_URL itself is
# plain http (the docker-compose demo on http://localhost), where an https link would not open.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = (
    "http" if env.str("SITE_URL", default="").startswith("http://") else "https"
)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Container healthchecks and load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Email: SMTP from EMAIL_URL (smtp+tls://user:pass@host:587), or any django-anymail backend
# named in EMAIL_BACKEND with its settings in ANYMAIL.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
if EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    _smtp = env.email_url("EMAIL_URL")
    EMAIL_HOST = _smtp["EMAIL_HOST"]
    EMAIL_PORT = _smtp["EMAIL_PORT"]
    EMAIL_HOST_USER = _smtp["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _smtp["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _smtp.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _smtp.get("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = 20
ANYMAIL = env.dict("ANYMAIL", default={})
# Nobody reads a sign-in code or a reset link in production; `check --deploy` refuses the
# switch with any backend but a file backend (members/checks.py).
EMAIL_REVEAL_SECRETS = env.bool("EMAIL_REVEAL_SECRETS", default=False)
