from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from recaudo.api import api
from recaudo.delivery.views import unsubscribe
from recaudo.insights.api import router as insights_router
from recaudo.integrations.api import router as integrations_router
from recaudo.metrics import metrics
from recaudo.portfolio.api import router as portfolio_router
from recaudo.reports.api import router as reports_router
from recaudo.site import favicon, home

# The API root holds the shared helpers; each app's router is mounted here, above both.
api.add_router("", portfolio_router)
api.add_router("", integrations_router)
api.add_router("", reports_router)
api.add_router("", insights_router)

admin.site.site_header = _("Recaudo: cobranza amigable")
admin.site.site_title = "Recaudo"
admin.site.index_title = _("Administración")

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("metrics", metrics, name="metrics"),  # 404 unless METRICS_TOKEN is set
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the inbox's language switch
    path("api/v1/", api.urls),
    path("webhooks/", include("recaudo.delivery.webhook_urls")),
    path("u/<str:token>", unsubscribe, name="unsubscribe"),
    path("p/", include("recaudo.payments.urls")),
    path("bandeja/", include("recaudo.conversations.urls")),
    path("equipo/integraciones/", include("recaudo.integrations.urls")),
    path("equipo/exportaciones/", include("recaudo.reports.urls")),
    path("equipo/experimentos/", include("recaudo.learning.urls")),
    path("equipo/resultados/", include("recaudo.insights.urls")),
    path("equipo/", include("recaudo.staff.urls")),
    path("webhooks/payments/", include("recaudo.payments.webhook_urls")),
]
if settings.SANDBOX_ENABLED:
    # The phone simulator shows debtors' phones and answers as them: never on the internet.
    urlpatterns.append(path("sandbox/", include("recaudo.sandbox.urls")))
