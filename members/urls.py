from django.urls import path

from . import views
from .api import views as api
from .staff import members, outbox

app_name = "members"

urlpatterns = [
    path("account/", views.profile, name="profile"),
    path("account/preferences/", views.preferences, name="preferences"),
    # billing adds "account/support/" ("My support") and its item in the account navigation.
    path("account/data/", views.privacy, name="privacy"),
    path("account/data/download/", views.data_download, name="data_download"),
    path("account/delete/", views.delete_account, name="delete_account"),
    path("account/deleted/", views.account_deleted, name="account_deleted"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # The members API for the newsroom's CMS (members/api/).
    path("api/v1/me", api.me, name="api_me"),
    path("api/v1/openapi.json", api.openapi_document, name="api_openapi"),
    path("api/connect/", api.connect, name="api_connect"),
    path("account/connections/", api.connections, name="connections"),
    path("account/connections/revoke/", api.connection_revoke, name="connection_revoke"),
    path("staff/members/", members.member_list, name="staff_members"),
    path("staff/members/<int:pk>/", members.member_detail, name="staff_member_detail"),
    path("staff/outbox/", outbox.outbox_list, name="outbox"),
    path("staff/outbox/<int:pk>/", outbox.outbox_detail, name="outbox_detail"),
]
