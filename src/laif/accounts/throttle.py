"""Password-login throttling with django-axes (ADR 0016).

axes watches every password login that goes through ``django.contrib.auth.authenticate`` with a
request: the portal's login page, the API's token login (``laif login``) and the Django admin's
login. Its database handler records each failure in one row per (account, address, user agent),
created and incremented under a row lock (``select_for_update`` + ``F() + 1``), so concurrent
failures are counted exactly. laif configures it (settings: ``AXES_*``) and adds:

* the client address from ``X-Forwarded-For`` only behind a trusted proxy (``forwarded.py``);
* the account name normalised (``Ada@X.lu`` and ``ada@x.lu`` are one account), from the portal's
  ``email`` field or the admin's ``username``;
* locking by the pair (account, address) only: someone elsewhere cannot lock a person out;
* the waits of ``throttle_rules`` (a fixed pause for clients, a growing delay for staff), which
  axes' fixed cool-off cannot express: :class:`LaifAxesHandler` counts failures over a day and
  reports the pair as locked only while its wait runs;
* the lockout answer: the page or JSON says when to try again, in the person's language.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from laif.accounts import throttle_rules
from laif.accounts.errors import Throttled
from laif.accounts.models import User
from laif.accounts.requestinfo import client_ip as _client_ip

REQUEST_SHOWN = "laif_lockout_shown"


def policy() -> throttle_rules.Policy:
    return throttle_rules.Policy(
        limit=settings.LAIF_LOGIN_MAX_FAILURES,
        lockout=timedelta(minutes=settings.LAIF_LOGIN_LOCKOUT_MINUTES),
        staff_first=timedelta(seconds=settings.LAIF_LOGIN_STAFF_DELAY_SECONDS),
    )


# --------------------------------------------------------------------------- axes callables


def username_of(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the account tried, lower-cased (the portal and the API send
    ``email``, the Django admin ``username``)."""
    value: Any = None
    if credentials:
        value = credentials.get("email") or credentials.get("username")
    if value is None and request is not None:
        post = getattr(request, "POST", None) or {}
        value = post.get("email") or post.get("username")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip().lower()[:254]
    return value or None


def client_ip(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the client's address, as the audit log records it."""
    return _client_ip(request) or None


def failure_limit(request: HttpRequest | None, credentials: dict[str, Any] | None) -> int:
    """``AXES_FAILURE_LIMIT``: read at each use, so a changed setting applies at once."""
    return int(settings.LAIF_LOGIN_MAX_FAILURES)


def is_staff_account(username: str | None) -> bool:
    """Factory staff, Django staff or superuser: delayed, never locked for long."""
    if not username:
        return False
    return User.objects.filter(email__iexact=username).filter(
        Q(is_staff=True) | Q(is_superuser=True) | Q(staff_roles__isnull=False)
    ).exists()


class LaifAxesHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """axes' database handler (recording untouched) with laif's waits: the failures of the
    last day count, and the pair is reported locked only while the wait after its last failure
    runs (``throttle_rules``). Once the wait is over, one more try is let through."""

    def _state(self, request: HttpRequest,
               credentials: dict[str, Any] | None) -> tuple[int, datetime | None, bool]:
        """(failures, last failure, staff) of the most-failed attempt group of this request."""
        failures, last = 0, None
        for attempts in self.get_user_attempts(request, credentials):
            row = attempts.aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
            if (row["n"] or 0) > failures:
                failures, last = row["n"], row["last"]
        staff = False
        if failures >= failure_limit(request, credentials):
            staff = is_staff_account(get_client_username(request, credentials))
        return failures, last, staff

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        failures, last, staff = self._state(request, credentials)
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        limit = failure_limit(request, credentials)
        if failures >= limit and not throttle_rules.is_waiting(
            policy(), failures=failures, last_failure=last, staff=staff, now=now
        ):
            return limit - 1
        return failures

    def retry_at(self, request: HttpRequest,
                 credentials: dict[str, Any] | None) -> datetime | None:
        failures, last, staff = self._state(request, credentials)
        return throttle_rules.retry_at(policy(), failures=failures, last_failure=last,
                                       staff=staff)


# --------------------------------------------------------------------------- the answer


def retry_at(request: HttpRequest, credentials: dict[str, Any] | None) -> datetime | None:
    """When this request's (account, address) may try again; None if it may now."""
    AxesProxyHandler.update_request(request)
    handler = AxesProxyHandler.get_implementation()
    if not isinstance(handler, LaifAxesHandler):
        return None
    at = handler.retry_at(request, credentials)
    return at if at is not None and at > timezone.now() else None


def lockout_message(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    at = retry_at(request, credentials)
    if at is None:
        return _("Too many failed logins for this account from your address. Try again later.")
    amount, unit = throttle_rules.wait_in_units(at - timezone.now())
    when = timezone.localtime(at).strftime("%H:%M")
    if unit == "seconds":
        return ngettext(
            "Too many failed logins for this account from your address. Try again in "
            "%(n)d second (at %(time)s), or reset your password.",
            "Too many failed logins for this account from your address. Try again in "
            "%(n)d seconds (at %(time)s), or reset your password.",
            amount,
        ) % {"n": amount, "time": when}
    return ngettext(
        "Too many failed logins for this account from your address. Try again in "
        "%(n)d minute (at %(time)s), or reset your password.",
        "Too many failed logins for this account from your address. Try again in "
        "%(n)d minutes (at %(time)s), or reset your password.",
        amount,
    ) % {"n": amount, "time": when}


def _retry_after_seconds(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    at = retry_at(request, credentials)
    return max(1, int((at - timezone.now()).total_seconds()) + 1) if at else 60


class LoginThrottled(Throttled):
    """The API's answer to a locked (account, address): 429 with ``Retry-After``."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def refused(request: HttpRequest, credentials: dict[str, Any] | None) -> LoginThrottled | None:
    """After ``authenticate`` returned no user: the lockout error if axes refused or locked the
    attempt, else None (a wrong password). The view shows it; the middleware leaves it alone."""
    if not getattr(request, "axes_locked_out", False):
        return None
    setattr(request, REQUEST_SHOWN, True)
    return LoginThrottled(lockout_message(request, credentials),
                          retry_after=_retry_after_seconds(request, credentials))


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``, for the logins laif's views do not answer themselves (the
    Django admin's): a page, or JSON under ``/api/``, with status 429 and ``Retry-After``."""
    if getattr(request, REQUEST_SHOWN, False) and original_response is not None:
        return original_response
    message = lockout_message(request, credentials)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(_retry_after_seconds(request, credentials))
    return response


def forget_failures(username: str) -> int:
    """Clear the failed logins of an account from every address (after a password reset: the
    person proved they own it). Returns the number of attempt rows removed."""
    return int(AxesProxyHandler.reset_attempts(username=username.strip().lower()))


def password_was_checked(request: HttpRequest) -> bool:
    """Whether axes let the password be checked (a failure then counts and is audited), rather
    than refusing the attempt up front."""
    return getattr(request, "axes_failures_since_start", None) is not None


def login_succeeded(request: HttpRequest, username: str) -> None:
    """Clear the failures of this (account, address) after a password login that did not go
    through ``django.contrib.auth.login`` (the API's token login: axes' ``user_logged_in``
    receiver, which does this for the portal, is not called)."""
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.get_implementation().reset_user_attempts(request, {"email": username})
