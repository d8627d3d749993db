from django.urls import path

from recaudo.staff import reviews, views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("deudores/", views.debtors, name="debtors"),
    path("deudores/<int:debtor_id>/", views.debtor, name="debtor"),
    path("deudores/<int:debtor_id>/pausar", views.pause, name="pause"),
    path("deudores/<int:debtor_id>/disputa", views.dispute, name="dispute"),
    path("deudores/<int:debtor_id>/enlace", views.send_link, name="send_link"),
    path("deudores/<int:debtor_id>/asignar", views.hand_over, name="hand_over"),
    path("deudores/<int:debtor_id>/contacto", views.add_point, name="add_point"),
    path(
        "deudores/<int:debtor_id>/contacto/<int:point_id>/estado",
        views.point_state,
        name="point_state",
    ),
    path(
        "deudores/<int:debtor_id>/contacto/<int:point_id>/consentimiento",
        views.consent,
        name="consent",
    ),
    path("deudores/<int:debtor_id>/promesa", views.promise, name="promise"),
    path("deudores/<int:debtor_id>/plan", views.plan, name="plan"),
    path("revisiones/", reviews.reviews, name="reviews"),
    path("revisiones/<int:report_id>/comprobante", reviews.receipt, name="receipt"),
    path("revisiones/<int:report_id>/decidir", reviews.decide, name="review"),
    path("pedidos/", views.approvals, name="approvals"),
    path("pedidos/<int:request_id>/decidir", views.decide, name="decide"),
]
