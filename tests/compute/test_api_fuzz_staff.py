"""Schemathesis over the compute endpoints as factory staff (tests/test_api_fuzz.py calls every
endpoint as an organisation admin, who is refused the reviewers' and operators' endpoints before
their input is used). No call may end in a server error, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pytest_django import Settings

from laif.accounts import services as account_services
from laif.accounts.audit import Actor
from laif.config.wsgi import application
from tests.compute.fuzz_support import call_rolled_back
from tests.compute.support import submit
from tests.factories import make_world
from tests.wsgi_support import connections_kept_open

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex=r"^/api/compute/")
MAX_EXAMPLES = int(os.environ.get("LAIF_FUZZ_EXAMPLES", "30"))


@pytest.fixture
def no_connection_closing() -> Iterator[None]:
    with connections_kept_open():
        yield


@pytest.fixture(params=["reviewer", "operator"])
def staff_target(request: pytest.FixtureRequest, db: None, settings: Settings,
                 no_connection_closing: None) -> tuple[str, int]:
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = make_world()
    req = submit(w.project, w.project_lead, today=timezone.localdate())
    user = w.user(request.param)
    assert user is not None
    _token, secret = account_services.api_token_create(actor=Actor.of(user), user=user,
                                                       name="fuzz")
    return f"Bearer {secret}", req.pk


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)
def test_compute_api_as_staff_never_fails(case: schemathesis.Case[Any],
                                          staff_target: tuple[str, int]) -> None:
    authorization, request_id = staff_target
    call_rolled_back(case, authorization)
    if case.path_parameters and "request_id" in case.path_parameters:
        generated = case.path_parameters
        case.path_parameters = {**generated, "request_id": request_id}
        try:
            call_rolled_back(case, authorization)
        finally:
            case.path_parameters = generated
