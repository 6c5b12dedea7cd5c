from django.urls import path  # noqa: F401 - routes come with the report pages

urlpatterns: list = []
