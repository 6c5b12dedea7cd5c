from django.conf import settings
from django.http import HttpRequest


def newsroom(request: HttpRequest) -> dict:
    """The newsroom's name, address and accent colour, for every template."""
    return {"newsroom": settings.NEWSROOM, "site_url": settings.SITE_URL}
