from django.urls import path

from .views import account, attribution, card, embed, reconciliation, support, thanks
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
