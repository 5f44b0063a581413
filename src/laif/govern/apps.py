from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernConfig(AppConfig):
    name = "laif.govern"
    label = "govern"
    verbose_name = _("AI governance")
