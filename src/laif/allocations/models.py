"""Allocation periods, capacity pools, allocation requests with their review history, and
allocations (granted GPU-hours), with their changes and end notices. The tables keep the
``compute_`` names they had before the split (ADR 0020).

Models hold data and constraints only; rules live in ``services.py`` (writes), ``selectors.py``
(reads) and the pure modules ``capacity`` and ``awards``. Requests, review events and allocations
are never deleted: they are the record of who was granted what, when and why.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from laif.allocations.choices import (
    OPEN_STATUSES,
    AllocationState,
    DataSensitivity,
    Decision,
    PoolKind,
    RequestKind,
    RequestStatus,
)


class AllocationPeriod(models.Model):
    """A period of the allocation policy (e.g. six months); ``end`` is its last day."""

    start = models.DateField(_("start"), unique=True)
    end = models.DateField(_("end"), unique=True)
    total_gpus = models.PositiveIntegerField(_("GPUs of the cluster"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "compute_allocationperiod"  # the name from before the split (ADR 0020)
        ordering: ClassVar[list[str]] = ["start"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                   name="allocationperiod_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"


class Pool(models.Model):
    """A share of a period's GPU-hours. The overbooking factor is fixed when the pool is created
    (from the policy then in force), so a later policy change does not rewrite past pools."""

    period = models.ForeignKey(AllocationPeriod, on_delete=models.PROTECT, related_name="pools")
    kind = models.CharField(_("pool"), max_length=10, choices=PoolKind.choices)
    share_percent = models.PositiveSmallIntegerField(_("share (%)"))
    capacity_gpu_hours = models.PositiveBigIntegerField(_("capacity (GPU-hours)"))
    overbooking_factor = models.DecimalField(_("overbooking factor"), max_digits=4,
                                             decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "compute_pool"  # the name from before the split (ADR 0020)
        ordering: ClassVar[list[str]] = ["period__start", "kind"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["period", "kind"], name="pool_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period}"


class AllocationRequest(models.Model):
    """A project's request for GPU-hours from the national pool of a period: a new allocation, or
    a change of one (``amends``): a renewal for the next period, an extension of its end date
    (``requested_end``, no GPU-hours) or a top-up of its GPU-hours. Changes are reviewed like
    new requests, with the same history of review events."""

    project = models.ForeignKey("accounts.Project", on_delete=models.PROTECT,
                                related_name="allocation_requests")
    period = models.ForeignKey(AllocationPeriod, on_delete=models.PROTECT, related_name="+")
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="requests")
    title = models.CharField(_("title"), max_length=200)
    access_type = models.CharField(_("access type"), max_length=32)
    requested_gpu_hours = models.PositiveBigIntegerField(_("requested GPU-hours"))
    # how long the project needs the GPU-hours; null: as long as the access type allows (the
    # requests made before the duration was asked for, and API calls that leave it out)
    requested_months = models.PositiveSmallIntegerField(_("requested duration (months)"),
                                                        null=True, blank=True)
    justification = models.TextField(_("scientific and technical case"), max_length=5000)
    expected_outputs = models.TextField(_("expected outputs"), max_length=5000)
    data_sensitivity = models.CharField(_("data sensitivity"), max_length=16,
                                        choices=DataSensitivity.choices)
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices,
                              default=RequestStatus.SUBMITTED, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices,
                            default=RequestKind.NEW)
    amends = models.ForeignKey("Allocation", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="change_requests")
    requested_end = models.DateField(_("new end date"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "compute_allocationrequest"  # the name from before the split (ADR 0020)
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=models.Q(requested_gpu_hours__gt=0) | models.Q(kind="extension"),
                name="allocationrequest_hours_positive"),
            models.CheckConstraint(
                condition=(models.Q(kind="new", amends__isnull=True)
                           | (~models.Q(kind="new") & models.Q(amends__isnull=False))),
                name="allocationrequest_change_amends"),
            models.CheckConstraint(
                condition=models.Q(kind="extension", requested_end__isnull=False)
                | (~models.Q(kind="extension") & models.Q(requested_end__isnull=True)),
                name="allocationrequest_extension_end"),
        ]

    def __str__(self) -> str:
        return f"request {self.pk} of project {self.project_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ReviewEvent(models.Model):
    """One step of a request's history: who did what, when, with which hours and comment."""

    request = models.ForeignKey(AllocationRequest, on_delete=models.PROTECT,
                                related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+")
    actor_label = models.CharField(max_length=254)
    at = models.DateTimeField()
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    gpu_hours = models.PositiveBigIntegerField(_("GPU-hours"), null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)

    class Meta:
        db_table = "compute_reviewevent"  # the name from before the split (ADR 0020)
        ordering: ClassVar[list[str]] = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.decision} on request {self.request_id}"


class Allocation(models.Model):
    """GPU-hours granted to a project from a pool: by review of a request (national pool) or by
    import of a EuroHPC award (EuroHPC pool, ``eurohpc_reference`` set, no request)."""

    request = models.OneToOneField(AllocationRequest, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="allocation")
    eurohpc_reference = models.CharField(_("EuroHPC award"), max_length=64, unique=True,
                                         null=True, blank=True)
    project = models.ForeignKey("accounts.Project", on_delete=models.PROTECT,
                                related_name="allocations")
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="allocations")
    access_type = models.CharField(_("access type"), max_length=32)
    title = models.CharField(_("title"), max_length=200, blank=True)
    granted_gpu_hours = models.PositiveBigIntegerField(_("granted GPU-hours"))
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    state = models.CharField(_("state"), max_length=10, choices=AllocationState.choices,
                             default=AllocationState.ACTIVE)
    renews = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="renewal")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")

    class Meta:
        db_table = "compute_allocation"  # the name from before the split (ADR 0020)
        ordering: ClassVar[list[str]] = ["-start", "-id"]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(granted_gpu_hours__gt=0),
                                   name="allocation_hours_positive"),
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")),
                                   name="allocation_end_not_before_start"),
            models.CheckConstraint(
                condition=models.Q(request__isnull=False) | models.Q(eurohpc_reference__isnull=False),
                name="allocation_from_request_or_award",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.granted_gpu_hours} GPU-hours for project {self.project_id}"


class AllocationChange(models.Model):
    """An approved top-up or extension of an allocation: what it was before and after."""

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="changes")
    request = models.OneToOneField(AllocationRequest, on_delete=models.PROTECT,
                                   related_name="change")
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    at = models.DateTimeField()
    actor_label = models.CharField(max_length=254)
    gpu_hours_before = models.PositiveBigIntegerField()
    gpu_hours_after = models.PositiveBigIntegerField()
    end_before = models.DateField()
    end_after = models.DateField()

    class Meta:
        db_table = "compute_allocationchange"  # the name from before the split (ADR 0020)
        ordering: ClassVar[list[str]] = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} of allocation {self.allocation_id}"


class AllocationNotice(models.Model):
    """An end-of-allocation notice sent (``days_before`` the end ``for_end``): each is sent
    once per end date, so an extended allocation gets its notices again before its new end."""

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="notices")
    for_end = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        db_table = "compute_allocationnotice"  # the name from before the split (ADR 0020)
        ordering: ClassVar[list[str]] = ["allocation", "-days_before"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["allocation", "for_end", "days_before"],
                                    name="allocationnotice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.days_before}-day notice of allocation {self.allocation_id}"
