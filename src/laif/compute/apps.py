from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComputeConfig(AppConfig):
    name = "laif.compute"
    label = "compute"
    verbose_name = _("Build & Test")

    def ready(self) -> None:
        from laif.accounts.choices import StaffRoleName
        from laif.accounts.staff_queues import StaffQueue, register_staff_queue
        from laif.allocations.selectors import review_queue

        register_staff_queue(StaffQueue(
            key="review", role=StaffRoleName.REVIEWER, title=_("Allocation requests to review"),
            what=_("Requests for GPU-hours awaiting a decision, oldest first."),
            url_name="compute_review_queue",
            waiting=lambda access: review_queue(access=access).count()))
