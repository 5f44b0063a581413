"""Reads of the data sandboxes. What a dataset is (its versions, columns, rows, classification)
is visible to whoever sees the project; its values are never read here."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.errors import NotFound, PermissionDenied
from laif.accounts.selectors import project_of
from laif.sandbox.models import ColumnClass, Dataset, DatasetVersion, Reidentification, Release


def _visible(access: Access, project_id: int) -> int:
    """The project's organisation; 404 when the project is not the person's to see."""
    project = project_of(project_id)
    if project is None or not access.can_view_project(project_id, project.organisation_id):
        raise NotFound(_("Project not found."))
    return int(project.organisation_id)


def data_owner(access: Access, project_id: int) -> int:
    """The project's organisation when the person is one of its data owners (its leads, its
    organisation's admins); 404 when the project is not theirs to see, 403 when they see it but
    do not own its data."""
    organisation_id = _visible(access, project_id)
    if not access.can_manage_project(project_id, organisation_id):
        raise PermissionDenied(_("The project's leads and its organisation's administrators "
                                 "own its data."))
    return organisation_id


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
    return {(int(p), str(n)) for p, n in [
        *DatasetVersion.objects.values_list("dataset__project_id", "stored_name"),
        *Release.objects.values_list("version__dataset__project_id", "stored_name")]}


def can_read_releases(access: Access, project_id: int, organisation_id: int) -> bool:
    """A release is the project's data: its members and the organisation's admins read it;
    staff see that it exists, not its content."""
    return project_id in access.project_roles or access.is_org_admin(organisation_id)


def releases_of(*, access: Access, project_id: int) -> QuerySet[Release]:
    _visible(access, project_id)
    return (Release.objects.filter(version__dataset__project_id=project_id)
            .select_related("version__dataset", "approved_by"))


def release_get(*, access: Access, release_id: int) -> Release:
    found = (Release.objects.select_related("version__dataset", "approved_by")
             .filter(pk=release_id).first())
    if found is None:
        raise NotFound(_("No such release."))
    try:
        _visible(access, found.version.dataset.project_id)
    except NotFound:
        raise NotFound(_("No such release.")) from None
    return found


def latest_releases(project_id: int) -> dict[str, Release]:
    """Each dataset's newest release (what a job of the project is pointed at)."""
    latest: dict[str, Release] = {}
    for r in (Release.objects.filter(version__dataset__project_id=project_id)
              .select_related("version__dataset").order_by("number")):
        latest[r.version.dataset.name] = r
    return latest


def releases_named(project_id: int, names: list[str]) -> dict[str, Release]:
    """The project's releases a model was trained on, each named by its staged file's name (what
    a job reads: ``customers-r2.parquet``) or by its dataset's name (its newest release); a name
    that is neither is left out. The caller checked the project's access."""
    found: dict[str, Release] = {}
    latest = latest_releases(project_id)
    staged = {r.staged_name: r for r in Release.objects.filter(
        version__dataset__project_id=project_id, staged_name__in=names)
        .select_related("version__dataset")}
    for name in names:
        release = staged.get(name) or latest.get(name)
        if release is not None:
            found[name] = release
    return found


def releases_dir(project_id: int) -> Path:
    """Where the project's releases are staged for its jobs (read-only files)."""
    return Path(settings.LAIF_SANDBOX_RELEASES_DIR) / f"p{int(project_id)}"


def env_var(dataset: str) -> str:
    """The job environment variable naming a dataset's newest release (``customers`` ->
    ``LAIF_DATASET_CUSTOMERS``)."""
    return "LAIF_DATASET_" + re.sub(r"[^A-Z0-9]", "_", dataset.upper())


def job_environment(project_id: int) -> dict[str, str]:
    """What a job of the project is told about its data: the folder of its releases and, per
    dataset, its newest release's file (read-only)."""
    latest = latest_releases(project_id)
    if not latest:
        return {}
    folder = releases_dir(project_id)
    return {"LAIF_DATASETS_DIR": str(folder),
            **{env_var(name): str(folder / r.staged_name) for name, r in latest.items()}}


def reidentifications_of(*, access: Access, release_id: int) -> QuerySet[Reidentification]:
    """A release's re-identification requests: its project's data owners only."""
    release = release_get(access=access, release_id=release_id)
    data_owner(access, release.version.dataset.project_id)
    return (Reidentification.objects.filter(release=release)
            .select_related("requested_by", "decided_by"))


def reidentification_get(*, access: Access, request_id: int) -> Reidentification:
    found = (Reidentification.objects.select_related("requested_by", "decided_by",
                                                     "release__version__dataset")
             .filter(pk=request_id).first())
    if found is None:
        raise NotFound(_("No such re-identification request."))
    try:
        _visible(access, found.release.version.dataset.project_id)
    except NotFound:
        raise NotFound(_("No such re-identification request.")) from None
    data_owner(access, found.release.version.dataset.project_id)
    return found
