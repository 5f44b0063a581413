"""The allocations context's named values (pool kinds, request statuses and kinds, decisions,
allocation states and the sets of them the rules use): public, for other apps to name them without
importing the models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PoolKind(models.TextChoices):
    NATIONAL = "national", _("National pool")
    EUROHPC = "eurohpc", _("EuroHPC pool")


class DataSensitivity(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    CONFIDENTIAL = "confidential", _("Confidential")
    PERSONAL = "personal", _("Personal data")


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.CHANGES_REQUESTED)


class RequestKind(models.TextChoices):
    NEW = "new", _("New allocation")
    RENEWAL = "renewal", _("Renewal")
    EXTENSION = "extension", _("Extension")
    TOP_UP = "top_up", _("Top-up")


CHANGE_KINDS = (RequestKind.RENEWAL, RequestKind.EXTENSION, RequestKind.TOP_UP)


class Decision(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AllocationState(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRING = "expiring", _("Expiring")
    GRACE = "grace", _("Grace period")
    EXPIRED = "expired", _("Expired")
    CLOSED = "closed", _("Closed")


# States in which an allocation still takes new jobs (within its dates).
IN_FORCE_STATES = (AllocationState.ACTIVE, AllocationState.EXPIRING)
# States of an allocation that has not expired: it can still be extended or topped up, and its
# running jobs finish (in the grace period it takes no new job).
LIMIT_STATES = (AllocationState.ACTIVE, AllocationState.EXPIRING, AllocationState.GRACE)
