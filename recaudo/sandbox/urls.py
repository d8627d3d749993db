"""The phone simulator (staff only)."""

urlpatterns: list = []
