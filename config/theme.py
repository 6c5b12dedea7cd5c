"""The newsroom's accent colour as a stylesheet, so pages need no inline styles (strict CSP)."""

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@cache_control(max_age=3600, public=True)
def theme_css(request: HttpRequest) -> HttpResponse:
    accent = settings.NEWSROOM["ACCENT"]
    if not HEX_COLOUR.match(accent):
        accent = "#b3261e"
    css = f":root {{ --accent: {accent}; }}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")
