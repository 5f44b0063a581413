from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "laif.reports"
    label = "reports"
    verbose_name = _("The factory's figures")

    def ready(self) -> None:
        from laif.ops.metrics import register_collector
        from laif.reports.metrics import KpiCollector

        register_collector(KpiCollector())
