from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """allauth counts attempts in the Redis cache; each test starts with none.

    Only this project's cache keys go (django-redis applies the key prefix to the pattern),
    never the Celery broker's keys that share the Redis database.
    """
    cache.delete_pattern("*")
    yield
    cache.delete_pattern("*")
