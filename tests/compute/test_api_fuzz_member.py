"""Schemathesis over the compute endpoints as people of a project: its lead (who asks for
GPU-hours, renewals, extensions and top-ups and submits jobs) and a plain member (who submits
jobs). Real ids of the project, its allocation, request and job are substituted into each case
so the handlers behind the 404s run too. The scheduler is the in-memory fake. No call may end in
a server error, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pytest_django import Settings

from laif.accounts import services as account_services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.cluster.scheduler.fake import FakeScheduler
from laif.cluster.selectors import use_scheduler
from laif.config.wsgi import application
from tests.compute.fuzz_support import call_rolled_back
from tests.compute.jobs_support import grant, submit_job
from tests.compute.support import submit
from tests.factories import make_world
from tests.wsgi_support import connections_kept_open

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex=r"^/api/(compute|projects)/")
# fewer than the organisation admin's run (tests/test_api_fuzz.py), which covers the same
# schemas: this run is about the handlers behind a project member's permissions
MAX_EXAMPLES = int(os.environ.get("LAIF_FUZZ_EXAMPLES", "10"))


@pytest.fixture
def no_connection_closing(tmp_path: Path) -> Iterator[None]:
    with (connections_kept_open(), override_settings(LAIF_JOBS_DIR=tmp_path),
          use_scheduler(FakeScheduler())):
        yield


@pytest.fixture(params=["project_lead", "member"])
def member_target(request: pytest.FixtureRequest, db: None, settings: Settings,
                  no_connection_closing: None) -> tuple[str, dict[str, int]]:
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = make_world()
    account_services.project_member_add(access=access_for(w.org_admin),
                                        actor=Actor.of(w.org_admin), project_id=w.project.pk,
                                        user_id=w.member.pk)
    today = timezone.localdate()
    allocation = grant(w.project, w.project_lead, 1_000, today=today)
    req = submit(w.project, w.project_lead, today=today, requested_gpu_hours=500)
    job = submit_job(w.project, w.project_lead, today=today)
    user = w.user(request.param)
    assert user is not None
    _token, secret = account_services.api_token_create(actor=Actor.of(user), user=user,
                                                       name="fuzz")
    return f"Bearer {secret}", {"project_id": w.project.pk, "allocation_id": allocation.pk,
                                "request_id": req.pk, "job_id": job.pk}


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)
def test_compute_api_as_a_project_member_never_fails(
        case: schemathesis.Case[Any], member_target: tuple[str, dict[str, int]]) -> None:
    authorization, ids = member_target
    call_rolled_back(case, authorization)
    generated = case.path_parameters
    if generated and set(generated) & set(ids):
        case.path_parameters = {**generated, **{k: v for k, v in ids.items() if k in generated}}
        try:
            call_rolled_back(case, authorization)
        finally:
            case.path_parameters = generated
