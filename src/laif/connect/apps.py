from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectConfig(AppConfig):
    name = "laif.connect"
    label = "connect"
    verbose_name = _("Connect")
