"""The phone simulator (staff only)."""

from django.urls import path

from recaudo.sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("", views.debtor_list, name="debtors"),
    path("deudores/<int:pk>/", views.debtor_phone, name="phone"),
]
