from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntryConfig(AppConfig):
    name = "laif.entry"
    label = "entry"
    verbose_name = _("Single point of entry")

    def ready(self) -> None:
        from laif.accounts.choices import StaffRoleName
        from laif.accounts.staff_queues import StaffQueue, register_staff_queue
        from laif.entry.selectors import inbox_counts

        register_staff_queue(StaffQueue(
            key="inbox", role=StaffRoleName.OPERATOR, title=_("Requests to the factory"),
            what=_("Open requests from companies and researchers: assign, answer, route."),
            url_name="entry_inbox",
            waiting=lambda access: inbox_counts(access=access)["open"]))
