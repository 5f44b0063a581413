from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GreenConfig(AppConfig):
    name = "laif.green"
    label = "green"
    verbose_name = _("Energy and carbon")
