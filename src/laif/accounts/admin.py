"""Django admin for superusers: browse and fix data. No business rules here; the audit log and
cluster identities are read-only (their integrity rules live in services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from laif.accounts import models as m


@admin.register(m.User)
class UserAdmin(admin.ModelAdmin[m.User]):
    list_display = ("email", "first_name", "last_name", "is_active", "is_superuser")
    search_fields = ("email", "first_name", "last_name")
    exclude = ("password", "user_permissions", "groups")


@admin.register(m.Organisation)
class OrganisationAdmin(admin.ModelAdmin[m.Organisation]):
    list_display = ("name", "country", "sector", "kind", "sme_class")
    list_filter = ("sector", "kind", "sme_class")
    search_fields = ("name", "vat_number", "rcs_number")


@admin.register(m.Project)
class ProjectAdmin(admin.ModelAdmin[m.Project]):
    list_display = ("name", "code", "organisation")
    search_fields = ("name", "code")


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "actor_label", "action", "target")
    list_filter = ("action",)


@admin.register(m.ClusterIdentity)
class ClusterIdentityAdmin(ReadOnlyAdmin):
    list_display = ("username", "uid", "user", "disabled_at")
    search_fields = ("username", "user__email")
