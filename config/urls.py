from django.contrib import admin
from django.urls import include, path

from billing.views.support import support_page

from .health import healthz, readyz
from .theme import theme_css

urlpatterns = [
    path("", support_page, name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("theme.css", theme_css, name="theme_css"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("members.urls")),
    path("", include("billing.urls")),
    path("", include("support.urls")),
    path("admin/", admin.site.urls),
]
