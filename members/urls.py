from django.urls import path

from . import views
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
    path("staff/members/", members.member_list, name="staff_members"),
    path("staff/members/<int:pk>/", members.member_detail, name="staff_member_detail"),
    path("staff/outbox/", outbox.outbox_list, name="outbox"),
    path("staff/outbox/<int:pk>/", outbox.outbox_detail, name="outbox_detail"),
]
