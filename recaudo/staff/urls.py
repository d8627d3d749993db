from django.urls import path

from recaudo.staff import (
    account_views,
    campaign_views,
    import_views,
    reviews,
    strategy_views,
    views,
)

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
    path(
        "deudores/<int:debtor_id>/domiciliacion/cancelar",
        views.debit_cancel,
        name="debit_cancel",
    ),
    path("cuentas/", account_views.account_list, name="accounts"),
    path(
        "cuentas/canales/<int:account_id>/",
        account_views.channel_account,
        name="channel_account",
    ),
    path(
        "cuentas/pagos/<int:account_id>/",
        account_views.provider_account,
        name="provider_account",
    ),
    path("revisiones/", reviews.reviews, name="reviews"),
    path("revisiones/<int:report_id>/comprobante", reviews.receipt, name="receipt"),
    path("revisiones/<int:report_id>/decidir", reviews.decide, name="review"),
    path("pedidos/", views.approvals, name="approvals"),
    path("pedidos/<int:request_id>/decidir", views.decide, name="decide"),
    path("importar/", import_views.imports, name="imports"),
    path("importar/<int:job_id>/", import_views.import_job, name="import_job"),
    path("importar/<int:job_id>/columnas", import_views.import_mapping, name="import_mapping"),
    path("importar/<int:job_id>/confirmar", import_views.import_confirm, name="import_confirm"),
    path("importar/<int:job_id>/cancelar", import_views.import_cancel, name="import_cancel"),
    path("estrategia/", strategy_views.strategy, name="strategy"),
    path("estrategia/vista-previa", strategy_views.segment_preview, name="segment_preview"),
    path("estrategia/copiar", strategy_views.copy_strategy, name="copy_strategy"),
    path("estrategia/politicas/<int:policy_id>/", strategy_views.policy, name="policy"),
    path("estrategia/segmentos/nuevo", strategy_views.segment, name="segment_new"),
    path("estrategia/segmentos/<int:segment_id>/", strategy_views.segment, name="segment"),
    path("campanas/", campaign_views.campaign_list, name="campaigns"),
    path(
        "campanas/<int:campaign_id>/cancelar",
        campaign_views.campaign_cancel,
        name="campaign_cancel",
    ),
    path("plantillas/", strategy_views.templates, name="templates"),
    path("plantillas/<int:template_id>/", strategy_views.template, name="template"),
    path(
        "plantillas/<int:template_id>/vista-previa",
        strategy_views.template_preview,
        name="template_preview",
    ),
    path("plantillas/<int:template_id>/copiar", strategy_views.template_copy, name="template_copy"),
    path("plantillas/<int:template_id>/prueba", strategy_views.template_test, name="template_test"),
]
