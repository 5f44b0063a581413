from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "laif.accounts"
    label = "accounts"
    verbose_name = _("Accounts and tenancy")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from laif.accounts.login_language import language_on_login

        user_logged_in.connect(language_on_login, dispatch_uid="laif.accounts.language")
