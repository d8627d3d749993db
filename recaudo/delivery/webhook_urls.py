"""Provider status and inbound webhooks, mounted at /webhooks/."""

from django.urls import path

from recaudo.delivery import webhooks

app_name = "webhooks"

urlpatterns = [
    path("whatsapp", webhooks.whatsapp, name="whatsapp"),
    path("twilio", webhooks.twilio, name="twilio"),
    path("rbm", webhooks.rbm, name="rbm"),
    path("email", webhooks.email, name="email"),
]
