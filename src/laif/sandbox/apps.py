from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    name = "laif.sandbox"
    label = "sandbox"
    verbose_name = _("Data sandboxes")

    def ready(self) -> None:
        from django.db import transaction

        from laif.accounts.hooks import on_project_members_changed
        from laif.sandbox.releases import release_access_sync

        def members_changed(project_id: int) -> None:
            transaction.on_commit(lambda: release_access_sync(project_id))

        on_project_members_changed(members_changed)
