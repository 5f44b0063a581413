"""Reads of the data sandboxes. What a dataset is (its versions, columns, rows, classification)
is visible to whoever sees the project; its values are never read here."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.errors import NotFound
from laif.accounts.selectors import project_of
from laif.sandbox.models import ColumnClass, Dataset, DatasetVersion


def _visible(access: Access, project_id: int) -> None:
    project = project_of(project_id)
    if project is None or not access.can_view_project(project_id, project.organisation_id):
        raise NotFound(_("Project not found."))


def datasets_of(*, access: Access, project_id: int) -> QuerySet[Dataset]:
    _visible(access, project_id)
    return Dataset.objects.filter(project_id=project_id).prefetch_related("versions")


def version_get(*, access: Access, version_id: int) -> DatasetVersion:
    found = (DatasetVersion.objects.select_related("dataset", "uploaded_by", "reviewed_by")
             .filter(pk=version_id).first())
    if found is None:
        raise NotFound(_("No such dataset version."))
    try:
        _visible(access, found.dataset.project_id)
    except NotFound:
        raise NotFound(_("No such dataset version.")) from None
    return found


def columns_of(version: DatasetVersion) -> list[ColumnClass]:
    return list(version.column_classes.all())


def referenced_files() -> set[tuple[int, str]]:
    """Every stored file a row refers to (for the sweep of orphans)."""
    return {(int(p), str(n)) for p, n in
            DatasetVersion.objects.values_list("dataset__project_id", "stored_name")}
