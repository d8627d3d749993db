from django.urls import path

from recaudo.integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.endpoints, name="endpoints"),
    path("<int:endpoint_id>/", views.deliveries, name="deliveries"),
    path("<int:endpoint_id>/activar", views.enable, name="enable"),
    path("<int:endpoint_id>/desactivar", views.disable, name="disable"),
    path("<int:endpoint_id>/reenviar", views.replay, name="replay"),
]
