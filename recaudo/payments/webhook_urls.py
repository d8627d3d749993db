"""Payment provider webhooks, mounted at /webhooks/payments/."""

from django.urls import path

from recaudo.payments.webhooks import payment_webhook

app_name = "payment_webhooks"

urlpatterns = [
    path("<str:provider_name>", payment_webhook, name="provider"),
    # A creditor's own account (payments.ProviderAccount.webhook_token).
    path("<str:provider_name>/<str:webhook_token>", payment_webhook, name="account"),
]
