from django.urls import path

from recaudo.staff import import_views, views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("deudores/", views.debtors, name="debtors"),
    path("deudores/<int:debtor_id>/", views.debtor, name="debtor"),
    path("deudores/<int:debtor_id>/pausar", views.pause, name="pause"),
    path("deudores/<int:debtor_id>/disputa", views.dispute, name="dispute"),
    path("deudores/<int:debtor_id>/enlace", views.send_link, name="send_link"),
    path("deudores/<int:debtor_id>/asignar", views.hand_over, name="hand_over"),
    path("pedidos/", views.approvals, name="approvals"),
    path("pedidos/<int:request_id>/decidir", views.decide, name="decide"),
    path("importar/", import_views.imports, name="imports"),
    path("importar/<int:job_id>/", import_views.import_job, name="import_job"),
    path("importar/<int:job_id>/columnas", import_views.import_mapping, name="import_mapping"),
    path("importar/<int:job_id>/confirmar", import_views.import_confirm, name="import_confirm"),
    path("importar/<int:job_id>/cancelar", import_views.import_cancel, name="import_cancel"),
]
