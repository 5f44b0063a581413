"""The alert raised when the audit log fails its integrity check (ADR 0012).

A refused audit write rolls back with the action that asked for it, so the alert cannot be
written in that transaction: ``audit_refusal`` logs the refusal and leaves the alert pending in
the current context, and ``audit_alert_pending`` raises it once the transaction is over (the
middleware below does after every request; the anchor task raises its own). The alert is a
CRITICAL log line and an in-app notice and e-mail to the auditors, at most once an hour however
many writes are refused (the state is one ``AuditAlert`` row, locked while it is checked).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import AuditUnavailable
from laif.accounts.models import AuditAlert, User
from laif.accounts.notices import mail_on_commit, site_link

ALERT_INTERVAL = timedelta(hours=1)
ALERT_ID = 1
logger = logging.getLogger("laif.audit")
_pending: ContextVar[str | None] = ContextVar("laif_audit_alert_pending", default=None)


def audit_refusal(*, reason: str, action: str) -> AuditUnavailable:
    """Log a refused audit write, leave the alert pending, and return the error to raise."""
    logger.error("audit: refused to record %r: %s", action, reason)
    _pending.set(reason)
    return AuditUnavailable(_(
        "This action cannot be recorded in the audit log, which failed its integrity check, "
        "so it was refused. The platform's auditors have been alerted."
    ))


def audit_alert_pending() -> bool:
    """Raise the alert a refused write left pending in this context; True when one was raised.
    Call it outside the refused write's transaction."""
    reason = _pending.get()
    if reason is None:
        return False
    _pending.set(None)
    return audit_alert(reason=reason)


def audit_alert(*, reason: str) -> bool:
    """The CRITICAL log line and the auditors' notice, unless one was raised in the last hour.
    True when raised now. Never raises: an alert that cannot be stored is still logged."""
    now = timezone.now()
    try:
        with transaction.atomic():
            AuditAlert.objects.get_or_create(
                pk=ALERT_ID, defaults={"raised_at": datetime(2000, 1, 1, tzinfo=UTC),
                                       "reason": ""})
            state = AuditAlert.objects.select_for_update().get(pk=ALERT_ID)
            if now - state.raised_at < ALERT_INTERVAL:
                return False
            state.raised_at, state.reason = now, reason[:500]
            state.save(update_fields=["raised_at", "reason"])
            auditors = User.objects.filter(staff_roles__role=StaffRoleName.AUDITOR,
                                           is_active=True).distinct()
            link = site_link("audit_verify")
            mail_on_commit(
                auditors,
                lambda: _("Audit log integrity alert: audited actions are refused"),
                lambda: _("The audit log failed its integrity check, and the platform refuses "
                          "every audited action until it is repaired.") + "\n\n" + _(
                    "See what is wrong with %(command)s or on %(link)s, and tell the operators."
                ) % {"command": "laif audit verify", "link": link} + "\n",
                kind="audit.alert", link=link,
            )
    except DatabaseError:
        logger.exception("audit: the integrity alert could not be stored")
    logger.critical(
        "AUDIT LOG INTEGRITY ALERT: %s. Audited actions are refused until it is repaired; "
        "run `manage.py audit_verify`.", reason,
    )
    return True


class AuditAlertMiddleware:
    """Render a refused audit write as the error page (never a 500), and raise the pending
    alert once the view, and with it every transaction of the request, is over."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _pending.set(None)
        response = self.get_response(request)
        audit_alert_pending()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception
                          ) -> HttpResponse | None:
        if isinstance(exception, AuditUnavailable):
            return render(request, "error.html", {"message": exception.message},
                          status=exception.status)
        return None
