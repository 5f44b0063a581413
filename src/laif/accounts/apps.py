from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "laif.accounts"
    label = "accounts"
    verbose_name = _("Accounts and tenancy")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from laif.accounts.choices import StaffRoleName
        from laif.accounts.login_language import language_on_login
        from laif.accounts.selectors import sme_declarations_to_verify
        from laif.accounts.staff_queues import StaffQueue, register_staff_queue

        user_logged_in.connect(language_on_login, dispatch_uid="laif.accounts.language")

        register_staff_queue(StaffQueue(
            key="sme", role=StaffRoleName.OPERATOR, title=_("SME declarations to verify"),
            what=_("Organisations declared their size and links: check the figures and verify "
                   "or reject each declaration."),
            url_name="sme_queue",
            waiting=lambda access: sme_declarations_to_verify(access=access).count()))
