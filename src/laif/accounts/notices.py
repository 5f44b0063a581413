"""In-app notices: what a person is told by the platform (next to the e-mails), shown under the
bell of the header, on ``/notices/`` and by ``GET /api/notices``.

Other contexts call ``notify``; a notice is written in the recipient's language when it is
created, inside the caller's transaction (an action rolled back leaves no notice). A person sees
and marks read only their own notices; another person's notice is "not found".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from laif.accounts.errors import NotFound
from laif.accounts.models import Notice, User

MAX_LIST = 200


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
        notices.append(Notice(recipient=user, kind=kind[:40], text=body[:500], link=link[:500]))
    return Notice.objects.bulk_create(notices)


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
