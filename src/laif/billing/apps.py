from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "laif.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from laif.accounts.audit_targets import register_target_namer
        from laif.billing.selectors import statement_numbers

        register_target_namer("statement", statement_numbers)
