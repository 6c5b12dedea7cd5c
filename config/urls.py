from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from .health import healthz
from .theme import theme_css

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("theme.css", theme_css, name="theme_css"),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("admin/", admin.site.urls),
]
