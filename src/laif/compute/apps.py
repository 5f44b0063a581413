from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComputeConfig(AppConfig):
    name = "laif.compute"
    label = "compute"
    verbose_name = _("Build & Test")
