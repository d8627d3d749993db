from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "recaudo.privacy"
    verbose_name = _("Datos personales y archivo")
    default_auto_field = "django.db.models.BigAutoField"
