"""Domain errors raised by services; the API and views turn them into clear messages."""

from __future__ import annotations


class DomainError(Exception):
    """A request that breaks a business rule. ``message`` is shown to the user as is."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None,
                 extra: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}  # structured detail the API adds to the body (e.g. row problems)


class NotFound(DomainError):
    """Absent, or not visible to the requesting user (tenancy: never say which)."""

    status = 404


class Unauthenticated(DomainError):
    status = 401


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Throttled(DomainError):
    status = 429


class AuditUnavailable(DomainError):
    """The audit log failed its integrity check: audited actions are refused until it is
    repaired (ADR 0012)."""

    status = 503
