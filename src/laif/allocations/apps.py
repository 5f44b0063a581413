from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllocationsConfig(AppConfig):
    name = "laif.allocations"
    label = "allocations"
    verbose_name = _("Compute allocations")

    def ready(self) -> None:
        from laif.accounts.audit_targets import register_target_namer
        from laif.allocations.selectors import allocation_titles, request_titles

        register_target_namer("allocation_request", request_titles)
        register_target_namer("allocation", allocation_titles)
