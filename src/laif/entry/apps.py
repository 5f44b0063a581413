from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntryConfig(AppConfig):
    name = "laif.entry"
    label = "entry"
    verbose_name = _("Single point of entry")
