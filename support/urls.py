from django.urls import include, path

app_name = "support"

urlpatterns = [
    path("", include("support.voting.urls")),
    path("staff/reports/", include("support.reports.urls")),
    path("", include("support.corrections.urls")),
]
