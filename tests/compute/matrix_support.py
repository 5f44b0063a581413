"""The compute part of the API tenancy matrix's world (tests/test_tenancy_matrix.py): two
requests of the tenant's project, one awaiting review and one on which changes were requested,
found again by title for the ``{request_id}`` of each path; and the request bodies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from laif.allocations.models import Allocation, AllocationRequest
from laif.jobs.models import Job
from tests.compute.jobs_support import grant, submit_job
from tests.compute.support import REQUEST, review, submit
from tests.factories import World

MATRIX_JOB = "Matrix: a job"

AWAITING_REVIEW = "Matrix: awaiting review"
CHANGES_REQUESTED = "Matrix: changes requested"


def build_compute(w: World) -> None:
    today = timezone.localdate()
    submit(w.project, w.project_lead, title=AWAITING_REVIEW, requested_gpu_hours=1_000,
           today=today)
    changes = submit(w.project, w.project_lead, title=CHANGES_REQUESTED, today=today)
    review(changes, w.reviewer, "request_changes", comment="Give the scaling figures.",
           today=today)
    # an allocation in force and a job of the lead (run by the fake scheduler of the matrix)
    grant(w.project, w.project_lead, 1_000, today=today)
    submit_job(w.project, w.project_lead, today=today, name=MATRIX_JOB)


def compute_path_ids(path: str) -> dict[str, int]:
    if "{allocation_id}" in path:  # the grant of build_compute
        return {"allocation_id": Allocation.objects.filter(request__isnull=False)
                .order_by("pk").values_list("pk", flat=True)[0]}
    if "{job_id}" in path:
        return {"job_id": Job.objects.get(name=MATRIX_JOB).pk}
    if "{request_id}" not in path:
        return {}
    title = CHANGES_REQUESTED if path.endswith("/resubmit") else AWAITING_REVIEW
    return {"request_id": AllocationRequest.objects.get(title=title).pk}


REQUEST_BODY: dict[str, Any] = dict(REQUEST.__dict__)

COMPUTE_BODIES: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
    ("POST", "/api/projects/{project_id}/allocation-requests"): lambda mw: REQUEST_BODY,
    ("POST", "/api/compute/requests/{request_id}/resubmit"): lambda mw: {
        **REQUEST_BODY, "requested_gpu_hours": 15_000},
    ("POST", "/api/compute/requests/{request_id}/review"): lambda mw: {
        "decision": "approve", "gpu_hours": 800, "comment": "800 for a start."},
    ("POST", "/api/projects/{project_id}/jobs"): lambda mw: {
        "name": "matrix job", "template": "batch_inference", "gpus": 1,
        "time_limit_minutes": 10},
    ("POST", "/api/compute/allocations/{allocation_id}/changes"): lambda mw: {
        "kind": "top_up", "gpu_hours": 200,
        "justification": "Two more fine-tuning rounds on the new images of line 3."},
    ("POST", "/api/compute/eurohpc-awards"): lambda mw: {"awards": [{
        "reference": "EHPC-MATRIX-1", "project": mw.w.project.code, "gpu_hours": 5_000,
        "start": "2026-02-01", "end": "2026-03-31", "access_type": "fast_lane"}]},
}
