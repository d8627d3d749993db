from django.urls import path

from recaudo.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.exports, name="exports"),
    path("descargar", views.download, name="download"),
]
