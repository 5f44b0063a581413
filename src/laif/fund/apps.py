from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundConfig(AppConfig):
    name = "laif.fund"
    label = "fund"
    verbose_name = _("Funding and aid")

    def ready(self) -> None:
        from laif.accounts.choices import StaffRoleName
        from laif.accounts.staff_queues import StaffQueue, register_staff_queue
        from laif.fund.selectors import claims_to_pay

        register_staff_queue(StaffQueue(
            key="cashback", role=StaffRoleName.OPERATOR, title=_("Cashback claims to pay"),
            what=_("Claims organisations submitted: mark each paid or refused."),
            url_name="staff_cashback_queue",
            waiting=lambda access: claims_to_pay(access=access).count()))
