from django.urls import path

from recaudo.learning import views

app_name = "learning"

urlpatterns = [
    path("", views.index, name="experiments"),
    path("<int:experiment_id>/", views.detail, name="experiment"),
    path("<int:experiment_id>/iniciar", views.start, name="start"),
    path("<int:experiment_id>/detener", views.stop, name="stop"),
    path("<int:experiment_id>/aplicar", views.promote, name="promote"),
]
