from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainConfig(AppConfig):
    name = "laif.train"
    label = "train"
    verbose_name = _("Upskill & Train")
