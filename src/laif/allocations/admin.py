"""Django admin for superusers: browse allocations, read-only (every change goes through the
services, which check capacity and write the audit log)."""

from __future__ import annotations

from django.contrib import admin

from laif.accounts.admin import ReadOnlyAdmin
from laif.allocations import models as m


@admin.register(m.AllocationPeriod)
class AllocationPeriodAdmin(ReadOnlyAdmin):
    list_display = ("start", "end", "total_gpus")


@admin.register(m.Pool)
class PoolAdmin(ReadOnlyAdmin):
    list_display = ("period", "kind", "share_percent", "capacity_gpu_hours", "overbooking_factor")
    list_filter = ("kind",)


@admin.register(m.AllocationRequest)
class AllocationRequestAdmin(ReadOnlyAdmin):
    list_display = ("title", "project", "access_type", "requested_gpu_hours", "status",
                    "created_at")
    list_filter = ("status", "access_type")
    search_fields = ("title", "project__code")


@admin.register(m.ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdmin):
    list_display = ("request", "decision", "gpu_hours", "actor_label", "at")
    list_filter = ("decision",)


@admin.register(m.Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("project", "pool", "granted_gpu_hours", "start", "end", "state",
                    "eurohpc_reference")
    list_filter = ("state", "pool__kind")
    search_fields = ("project__code", "eurohpc_reference")
