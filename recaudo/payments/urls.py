"""The debtor portal, mounted at /p/."""

from django.urls import path

from recaudo.payments import choice_views, debit_views, views

app_name = "payments"

urlpatterns = [
    path("<str:token>", views.portal, name="portal"),
    path("<str:token>/pagar", views.pay, name="pay"),
    path("<str:token>/paz-y-salvo", views.certificate, name="certificate"),
    path("<str:token>/estado-de-cuenta.pdf", views.statement, name="statement"),
    path("<str:token>/comprobante", views.voucher, name="voucher"),
    path("<str:token>/recibo/<int:payment_id>", views.receipt, name="receipt"),
    path("<str:token>/cuota/<int:number>", views.pay_instalment, name="instalment"),
    path("<str:token>/plan", views.plan, name="plan"),
    path("<str:token>/promesa", views.promise, name="promise"),
    path("<str:token>/reporte", views.report, name="report"),
    path("<str:token>/nueva-fecha", choice_views.extension, name="extension"),
    path("<str:token>/descuento", choice_views.discount, name="discount"),
    path("<str:token>/contacto", choice_views.contact_preferences, name="contact"),
    path("<str:token>/r/<str:reference>", views.checkout_return, name="return"),
    path("<str:token>/nuevo-enlace", views.renew, name="renew"),
    path("<str:token>/domiciliar", debit_views.enrol, name="debit"),
    path("<str:token>/domiciliar/r/<str:reference>", debit_views.enrol_return, name="debit_return"),
    path("<str:token>/domiciliar/cancelar", debit_views.cancel, name="debit_cancel"),
]
