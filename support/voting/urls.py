"""Voting's addresses, included at the site root by support/urls.py."""

from django.urls import path

from . import staff, views

urlpatterns = [
    path("vote/", views.vote_index, name="vote"),
    path("vote/<slug:slug>/", views.round_page, name="round"),
    path("vote/<slug:slug>/ballot/<str:token>/", views.ballot_link, name="ballot_link"),
    path("vote/<slug:slug>/results/", views.results_page, name="results"),
    path("vote/<slug:slug>/suggest/", views.suggest, name="suggest"),
    path("vote/<slug:slug>/suggest/back/<int:topic_id>/", views.back_topic, name="back_topic"),
    path("covered/", views.covered, name="covered"),
    path("staff/rounds/", staff.round_list, name="staff_rounds"),
    path("staff/rounds/new/", staff.round_create, name="staff_round_create"),
    path("staff/rounds/<int:pk>/", staff.round_detail, name="staff_round"),
    path("staff/rounds/<int:pk>/edit/", staff.round_edit, name="staff_round_edit"),
    path("staff/rounds/<int:pk>/extend/", staff.round_extend, name="staff_round_extend"),
    path("staff/rounds/<int:pk>/topics/", staff.topic_add, name="staff_topic_add"),
    path("staff/rounds/<int:pk>/results/", staff.round_results, name="staff_round_results"),
    path("staff/rounds/<int:pk>/<str:action>/", staff.round_action, name="staff_round_action"),
    path("staff/moderation/", staff.moderation, name="staff_moderation"),
    path("staff/moderation/<int:topic_id>/<str:action>/", staff.moderate, name="staff_moderate"),
    path("staff/topics/<int:topic_id>/", staff.topic_detail, name="staff_topic"),
]
