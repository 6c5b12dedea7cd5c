from django.urls import path

from . import staff, views

urlpatterns = [
    path("corrections/", views.corrections_log, name="corrections_log"),
    path("corrections/suggest/", views.correction_new, name="correction_new"),
    path("corrections/sent/<str:reference>/", views.correction_sent, name="correction_sent"),
    path("staff/corrections/", staff.queue, name="staff_corrections"),
    path("staff/corrections/<int:pk>/", staff.detail, name="staff_correction"),
    path("staff/corrections/<int:pk>/review/", staff.review, name="staff_correction_review"),
]
