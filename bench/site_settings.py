"""The site's production settings for a benchmark run, with one change: STATIC_ROOT.

Production serves a collected, hashed manifest (whitenoise's CompressedManifestStaticFiles-
Storage), and `{% static %}` needs that manifest. The runner collects into its own work
directory instead of the repository's staticfiles/, so a bench never writes into the tree.
Everything else, including DEBUG off and the security middleware, is `config.settings.
production` as deployed; the runner passes throwaway secrets through the environment.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import env

STATIC_ROOT = env.str("BENCH_STATIC_ROOT")
