"""Notices of the compute context: one e-mail per recipient, composed in their own language,
sent after the commit (a mail server that is down is logged, never an error), and the same subject
as an in-app notice (``laif.accounts.notices``), written with the action."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from laif.accounts.models import Project, ProjectMembership, ProjectRole, StaffRoleName, User
from laif.accounts.notices import notify

logger = logging.getLogger("laif.compute.services")

Mail = tuple[str, str, str, list[str]]


def mail_on_commit(recipients: Iterable[User], subject: Callable[[], str],
                    body: Callable[[], str], *, kind: str = "", link: str = "") -> None:
    """Compose one message per recipient in their language now; send after the commit.
    A mail server that is down is logged, never turned into an error of the action. With a
    ``kind``, each recipient also gets the subject as an in-app notice pointing to ``link``."""
    recipients = list(recipients)
    if kind:
        notify(recipients, kind=kind, text=subject,
               link=link.removeprefix(settings.LAIF_SITE_URL))
    messages: list[Mail] = []
    seen: set[int] = set()
    for user in recipients:
        if user.pk in seen or not user.is_active or not user.email:
            continue
        seen.add(user.pk)
        with translation.override(user.language or settings.LANGUAGE_CODE):
            messages.append((subject(), body(), settings.DEFAULT_FROM_EMAIL, [user.email]))
    if not messages:
        return

    def send() -> None:
        try:
            send_mass_mail(tuple(messages), fail_silently=False)
        except Exception:  # the action is committed; a failed notice must not undo or hide it
            logger.exception("could not send %d allocation notice(s)", len(messages))

    transaction.on_commit(send)


def link(name: str, **kwargs: int) -> str:
    return settings.LAIF_SITE_URL + reverse(name, kwargs=kwargs)


def reviewers() -> list[User]:
    return list(User.objects.filter(staff_roles__role=StaffRoleName.REVIEWER, is_active=True)
                .distinct())


def project_people(project: Project, *also: int | None) -> list[User]:
    """The project's lead and the given people (the submitter)."""
    ids = {pid for pid in also if pid is not None}
    ids |= set(ProjectMembership.objects.filter(project=project, role=ProjectRole.LEAD)
               .values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids))
