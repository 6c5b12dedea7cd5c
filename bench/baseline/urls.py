from django.urls import path

from . import views

urlpatterns = [
    path("ok", views.ok),
    path("insert", views.insert),
]
