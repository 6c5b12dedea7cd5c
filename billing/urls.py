from django.urls import path

from .views import account, attribution, card, embed, gifts, manage, reconciliation, support, thanks
from .webhooks.views import stripe_webhook

app_name = "billing"

urlpatterns = [
    path("support/", support.support_page, name="support"),
    path("support/checkout/", support.checkout, name="checkout"),
    path("support/thanks/", thanks.thanks, name="thanks"),
    path("account/support/", account.my_support, name="my_support"),
    path("account/support/manage/", account.manage_in_portal, name="portal"),
    path("account/support/receipts/<int:pk>.pdf", account.receipt_download, name="receipt"),
    path(
        "account/support/statements/<int:year>.pdf",
        account.statement_download,
        name="statement",
    ),
    # Self-service on one's own membership (billing.views.manage).
    path("account/support/<int:membership_id>/change/", manage.change, name="change"),
    path(
        "account/support/<int:membership_id>/change/review/",
        manage.change_review,
        name="change_review",
    ),
    path(
        "account/support/<int:membership_id>/change/confirm/",
        manage.change_confirm,
        name="change_confirm",
    ),
    path(
        "account/support/<int:membership_id>/change/undo/", manage.change_undo, name="change_undo"
    ),
    path("account/support/<int:membership_id>/cancel/", manage.cancel, name="cancel"),
    path("account/support/<int:membership_id>/keep/", manage.keep, name="keep"),
    path("account/support/<int:membership_id>/pause/", manage.pause, name="pause"),
    path("account/support/<int:membership_id>/resume/", manage.unpause, name="unpause"),
    path("account/support/<int:membership_id>/card/", manage.card, name="card"),
    path("support/gift/", gifts.gift, name="gift"),
    path("gift/<str:token>/", gifts.gift_claim_page, name="gift_claim"),
    path("support/card/done/", card.card_update_done, name="card_update_done"),
    path("support/card/<str:token>/", card.card_update, name="card_update"),
    path("embed/support/", embed.support_widget, name="support_widget"),
    path("staff/articles/", attribution.articles, name="staff_articles"),
    path("stripe/webhook/", stripe_webhook, name="stripe_webhook"),
    path(
        "staff/reconciliation/",
        reconciliation.reconciliation_runs,
        name="staff_reconciliation",
    ),
]
