"""Reads of the single point of entry: the staff inbox (filters, overdue flags), a person's own
requests, one request with its history as its requester or staff see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.errors import NotFound, PermissionDenied
from laif.catalogue.entry import load_triage
from laif.entry import triage as rules
from laif.entry.models import Intake, IntakeEvent, IntakeStatus
from laif.entry.services import INBOX_STAFF, inbox_staff

if TYPE_CHECKING:
    from laif.accounts.models import User

MAX_LIST = 500
OPEN = (IntakeStatus.NEW, IntakeStatus.TRIAGED, IntakeStatus.IN_PROGRESS)


def overdue(intake: Intake, now: datetime | None = None) -> bool:
    return rules.is_overdue(status=intake.status, due=intake.respond_by,
                            responded_at=intake.responded_at, now=now or timezone.now())


def _inbox_reader(access: Access) -> None:
    if not access.is_staff:
        raise PermissionDenied(_("Only the factory's staff see the inbox."))


def inbox(*, access: Access, status: str = "", owner_id: int | None = None,
          mine: bool = False, overdue_only: bool = False) -> list[Intake]:
    """The requests in the inbox (confirmed ones), oldest target first; open ones unless a
    status is named."""
    _inbox_reader(access)
    found: QuerySet[Intake] = Intake.objects.exclude(status=IntakeStatus.UNVERIFIED)
    found = found.filter(status=status) if status else found.filter(status__in=OPEN)
    if mine:
        owner_id = access.user_id
    if owner_id is not None:
        found = found.filter(owner_id=owner_id)
    if overdue_only:
        found = found.filter(responded_at__isnull=True, respond_by__lt=timezone.now())
    return list(found.select_related("owner").order_by("respond_by", "pk")[:MAX_LIST])


def inbox_counts(*, access: Access) -> dict[str, int]:
    """How many open requests, unassigned ones and overdue ones (the staff dashboard)."""
    _inbox_reader(access)
    open_ = Intake.objects.filter(status__in=OPEN)
    return {
        "open": open_.count(),
        "unassigned": open_.filter(owner__isnull=True).count(),
        "overdue": open_.filter(responded_at__isnull=True, respond_by__lt=timezone.now()).count(),
    }


def owners() -> list[User]:
    """The people a request can be assigned to."""
    return inbox_staff()


def intake_sent(intake_id: object) -> Intake | None:
    """The request this browser just sent (its id kept in the session), to show where it goes."""
    return Intake.objects.filter(pk=intake_id).first() if isinstance(intake_id, int) else None


def _requester_filter(user: User) -> Q:
    """A person's requests: those they submitted, and those sent from their address before
    they had an account (the address confirmed both ways)."""
    mine = Q(submitted_by=user)
    if user.email_verified_at is not None:
        mine |= Q(submitted_by__isnull=True, email__iexact=user.email,
                  verified_at__isnull=False)
    return mine


def is_requester(intake: Intake, user: User) -> bool:
    """Whether the person wrote this request (from their account, or from their confirmed
    address before they had one)."""
    return intake.submitted_by_id == user.pk or (
        intake.submitted_by_id is None and user.email_verified_at is not None
        and intake.email == user.email.lower())


def intakes_of(user: User) -> list[Intake]:
    return list(Intake.objects.filter(_requester_filter(user))[:MAX_LIST])


@dataclass(frozen=True)
class IntakeView:
    intake: Intake
    events: list[IntakeEvent]
    as_staff: bool
    can_work: bool
    overdue: bool


def intake_get(*, access: Access, user: User | None, intake_id: int) -> IntakeView:
    """A request as its requester (public history) or the staff (all of it) see it."""
    found = Intake.objects.select_related("owner", "submitted_by").filter(pk=intake_id)
    intake = found.first()
    as_staff = access.is_staff
    if intake is None or (intake.status == IntakeStatus.UNVERIFIED and not (
            user is not None and intake.submitted_by_id == user.pk)):
        raise NotFound(_("No such request."))
    if not as_staff and (user is None or not Intake.objects.filter(
            _requester_filter(user), pk=intake_id).exists()):
        raise NotFound(_("No such request."))
    return _view(intake, as_staff=as_staff, can_work=bool(access.staff_roles & INBOX_STAFF))


def intake_followed(intake: Intake) -> IntakeView:
    """A request as its follow link shows it (the requester's view)."""
    return _view(intake, as_staff=False, can_work=False)


def _view(intake: Intake, *, as_staff: bool, can_work: bool) -> IntakeView:
    events = intake.events.select_related("actor")
    if not as_staff:
        events = events.filter(public=True)
    return IntakeView(intake, list(events), as_staff, can_work, overdue(intake))


def service_label(key: str, language: str) -> str:
    service = load_triage().services.get(key)
    return service.in_language(language) if service else key
