from django.urls import path

from .staff import outbox

app_name = "members"

urlpatterns = [
    path("staff/outbox/", outbox.outbox_list, name="outbox"),
    path("staff/outbox/<int:pk>/", outbox.outbox_detail, name="outbox_detail"),
]
