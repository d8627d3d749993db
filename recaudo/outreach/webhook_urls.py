"""Provider status and inbound webhooks."""

urlpatterns: list = []
