"""In-app notices: what a person is told by the platform (next to the e-mails), shown under the
bell of the header, on ``/notices/`` and by ``GET /api/notices``.

Other contexts call ``notify`` (in-app) or ``mail_on_commit`` (e-mails after the commit, and the
in-app notice with ``kind``); a notice is written in the recipient's language when it is
created, inside the caller's transaction (an action rolled back leaves no notice). A person sees
and marks read only their own notices; another person's notice is "not found".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from laif.accounts.errors import NotFound
from laif.accounts.models import Notice, User

NOTICE_TEXT_MAX = Notice._meta.get_field("text").max_length or 500

MAX_LIST = 200
logger = logging.getLogger("laif.notices")


def notify(recipients: Iterable[User], *, kind: str, text: Callable[[], str],
           link: str = "") -> list[Notice]:
    """One notice per active recipient, its text composed in their language."""
    notices: list[Notice] = []
    seen: set[int] = set()
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        with translation.override(user.language or settings.LANGUAGE_CODE):
            body = text()
        notices.append(Notice(recipient=user, kind=kind[:40], text=_fit(body, NOTICE_TEXT_MAX),
                              link=link[:500]))
    return Notice.objects.bulk_create(notices)


def _fit(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters with an ellipsis where it is longer,
    between words where one ends near the cut (the notice links to the page that holds the
    whole of it)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ", limit - 40)
    return (cut[:space] if space > 0 else cut).rstrip() + "\u2026"


def notices_of(user: User, *, unread_only: bool = False) -> QuerySet[Notice]:
    qs = Notice.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def notice_mark_read(*, user: User, notice_id: int) -> Notice:
    """Mark one of the user's notices read (again: unchanged)."""
    notice = Notice.objects.filter(pk=notice_id, recipient=user).first()
    if notice is None:
        raise NotFound(_("Notice not found."))
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


Mail = tuple[str, str, str, list[str]]


def mail_on_commit(recipients: Iterable[User], subject: Callable[[], str],
                   body: Callable[[], str], *, kind: str = "", link: str = "",
                   notice: Callable[[], str] | None = None) -> None:
    """Compose one message per recipient in their language now; send after the commit.
    A mail server that is down is logged, never turned into an error of the action. With a
    ``kind``, each recipient also gets an in-app notice pointing to ``link``: ``notice`` where
    given (what the person must read without opening the mail: a reviewer's comment), else the
    subject."""
    recipients = list(recipients)
    if kind:
        notify(recipients, kind=kind, text=notice or subject,
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
            logger.exception("could not send %d notice e-mail(s)", len(messages))

    transaction.on_commit(send)


def mail_address_on_commit(address: str, language: str, subject: Callable[[], str],
                           body: Callable[[], str]) -> None:
    """One message to an address that belongs to no account (someone who wrote to the factory
    without logging in), composed in ``language`` now and sent after the commit; a mail server
    that is down is logged, as for ``mail_on_commit``."""
    with translation.override(language or settings.LANGUAGE_CODE):
        message = (subject(), body(), settings.DEFAULT_FROM_EMAIL, [address])

    def send() -> None:
        try:
            send_mass_mail((message,), fail_silently=False)
        except Exception:  # the action is committed; a failed notice must not undo or hide it
            logger.exception("could not send a notice e-mail to an address without account")

    transaction.on_commit(send)


def site_link(name: str, **kwargs: int) -> str:
    """The absolute address of a page (``LAIF_SITE_URL`` + its path), for e-mails."""
    return settings.LAIF_SITE_URL + reverse(name, kwargs=kwargs)
