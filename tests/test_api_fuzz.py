"""Property-based fuzzing of the whole REST API with schemathesis, in process (no server).

Every operation of ``/api/openapi.json`` is called with generated valid and invalid input,
authenticated as an organisation admin with a Bearer token; no call may end in a server error.
Each case is sent twice: as generated, and with its path parameters pointing at real objects of
the admin's organisation, so the handlers behind the 404s are fuzzed too.

Must pass on SQLite and PostgreSQL (PostgreSQL refuses NUL bytes in text and integers past its
column types with a 500 unless the schemas bound them: see ``laif.config.apitypes``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pytest_django import Settings
from schemathesis.checks import not_a_server_error

from laif.accounts import services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.assess import services as assess
from laif.config.wsgi import application
from laif.connect import services as connect
from laif.entry import services as entry
from laif.entry.triage import Need
from laif.fund import applications as funding
from laif.govern import incidents as govern_incidents
from laif.govern import monitoring as drift_monitoring
from laif.govern import services as govern
from laif.network import services as network
from laif.registry import services as registry
from laif.sandbox import releases as sandbox_releases
from laif.sandbox import services as sandbox
from laif.sandbox.models import Reidentification
from laif.train import services as train
from laif.train.models import Course
from tests.api_support import ssh_public_key
from tests.assess.assess_matrix import every_answer
from tests.compute.billing_support import billing_ids
from tests.compute.support import submit
from tests.factories import make_world
from tests.govern.drift_data import applications, parquet
from tests.registry.support import mlflow_zip
from tests.sandbox.data import csv_bytes, customers
from tests.wsgi_support import connections_kept_open

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

# Per operation; raise it for a longer hunt: LAIF_FUZZ_EXAMPLES=500 pytest tests/test_api_fuzz.py
MAX_EXAMPLES = int(os.environ.get("LAIF_FUZZ_EXAMPLES", "30"))


@dataclass
class FuzzTarget:
    authorization: str
    real_ids: dict[str, int | str]


@pytest.fixture
def no_connection_closing() -> Iterator[None]:
    with connections_kept_open():
        yield


@pytest.fixture
def target(db: None, settings: Settings, no_connection_closing: None) -> FuzzTarget:
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = make_world()
    admin = w.org_admin
    services.project_member_add(access=access_for(admin), actor=Actor.of(admin),
                                project_id=w.project.pk, user_id=w.member.pk)
    key = services.ssh_key_add(actor=Actor.of(admin), user=admin, title="laptop",
                               public_key=ssh_public_key())
    spare, _ = services.api_token_create(actor=Actor.of(admin), user=admin, name="spare")
    _token, secret = services.api_token_create(actor=Actor.of(admin), user=admin, name="fuzz")
    request = submit(w.project, admin, today=timezone.localdate())
    invitation = services.invitation_create(access=access_for(admin), actor=Actor.of(admin),
                                            organisation_id=w.org.pk,
                                            email="pending@example.lu", role="member")
    billing = billing_ids(w)
    intake = entry.intake_submit(
        user=admin, need=Need(goal="explore", sector="other", data=frozenset({"none"}),
                              budget="unknown", timeline="exploring"),
        contact=entry.Contact(name="Admin", email="", organisation="", language="en"),
        description="What can AI do for us?").intake
    assess.assessment_submit(access=access_for(admin), actor=Actor.of(admin),
                             organisation_id=w.org.pk, answers=every_answer())
    application = funding.application_create(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=w.org.pk,
        instrument="fit4ai", title="Vision", amount_cents=10_000)
    plan = assess.roadmap_draft(access=access_for(admin), actor=Actor.of(admin),
                                organisation_id=w.org.pk)
    version = sandbox.dataset_upload(access=access_for(admin), actor=Actor.of(admin),
                                     project_id=w.project.pk, name="customers",
                                     src=io.BytesIO(csv_bytes(customers(20))),
                                     filename="customers.csv").version
    sandbox.classification_review(access=access_for(admin), actor=Actor.of(admin),
                                  version_id=version.pk, kinds={})
    settings.LAIF_SANDBOX_MIN_K = 1
    released = sandbox_releases.release_create(
        access=access_for(admin), actor=Actor.of(admin), version_id=sandbox_releases.policy_set(
            access=access_for(admin), actor=Actor.of(admin), version_id=version.pk,
            rows=sandbox_releases.policy_proposed(version)).pk, suppress=True)
    system = govern.ai_system_register(access=access_for(admin), actor=Actor.of(admin),
                                       organisation_id=w.org.pk, name="Credit scoring",
                                       purpose="Scores applicants.", project_id=w.project.pk)
    govern.ai_system_classify(access=access_for(admin), actor=Actor.of(admin),
                              system_id=system.pk, answers={"areas": ["credit_scoring"]})
    reference = parquet(applications(300, seed=11))
    monitor = drift_monitoring.drift_monitor_create(
        access=access_for(admin), actor=Actor.of(admin), system_id=system.pk, name="inputs",
        src=io.BytesIO(reference), filename="reference.parquet")
    batch = drift_monitoring.drift_batch_submit(
        access=access_for(admin), actor=Actor.of(admin), monitor_id=monitor.pk,
        src=io.BytesIO(reference), filename="batch.parquet")
    incident = govern_incidents.incident_record(
        access=access_for(admin), actor=Actor.of(admin), system_id=system.pk, kind="death",
        description="fuzz", aware_on=timezone.localdate())
    model_version = registry.model_version_register(
        access=access_for(admin), actor=Actor.of(admin), project_id=w.project.pk,
        name="credit-scorer", src=io.BytesIO(mlflow_zip()), filename="model.zip")
    asked = registry.alias_request(access=access_for(w.member), actor=Actor.of(w.member),
                                   version_id=model_version.pk, alias="champion")
    train.courses_sync_from_catalogue()
    start = timezone.now() + timedelta(days=9)
    training = train.session_create(access=access_for(w.trainer), actor=Actor.of(w.trainer),
                                    course_id=Course.objects.get(key="ai-translator").pk,
                                    starts_at=start, ends_at=start + timedelta(hours=3),
                                    place="online", capacity=3)
    enrolment = train.enrolment_create(access=access_for(admin), actor=Actor.of(admin),
                                       session_id=training.pk, organisation_id=w.org.pk)
    introduction = connect.introduction_request(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=w.org.pk,
        expert_key="luxprovide_gpu_support", need="Multi-GPU training of a vision model.")
    referral = network.referral_create_outgoing(
        access=access_for(w.operator), actor=Actor.of(w.operator), intake_id=intake.pk,
        factory="lumi_aif", capabilities=["amd_gpu"])
    reid = Reidentification.objects.create(release=released, column="iban", tokens=["enc_v1_x"],
                                           reason="fuzz", requested_by=admin)
    return FuzzTarget(
        authorization=f"Bearer {secret}",
        real_ids={"org_id": w.org.pk, "project_id": w.project.pk, "user_id": w.member.pk,
                  "key_id": key.pk, "token_id": spare.pk, "invitation_id": invitation.pk,
                  "request_id": request.pk, "intake_id": intake.pk,
                  "use_case_id": plan.use_cases.get().pk, "application_id": application.pk,
                  "version_id": version.pk, "release_id": released.pk,
                  "reidentification_id": reid.pk, "system_id": system.pk,
                  "monitor_id": monitor.pk, "batch_id": batch.pk,
                  "incident_id": incident.pk, "model_id": model_version.model_id,
                  "model_version_id": model_version.pk, "alias_request_id": asked.pk,
                  "name": "credit-scorer", "course_id": training.course_id,
                  "session_id": training.pk, "enrolment_id": enrolment.pk,
                  "introduction_id": introduction.pk, "referral_id": referral.pk,
                  "factory_key": "lumi_aif",
                  **billing},
    )


def _call(case: schemathesis.Case[Any], authorization: str) -> Any:
    """One call in its own transaction, rolled back: a failed statement cannot poison the
    examples after it (they all share the test's transaction)."""
    with transaction.atomic():
        response = case.call(headers={"Authorization": authorization})
        transaction.set_rollback(True)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}\n{response.text[:2000]}"
    )
    case.validate_response(response, checks=[not_a_server_error])
    return response


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)
def test_api_never_fails_with_a_server_error(
    case: schemathesis.Case[Any], target: FuzzTarget
) -> None:
    _call(case, target.authorization)
    if case.path_parameters:
        real = {
            name: target.real_ids.get(name, value) for name, value in case.path_parameters.items()
        }
        if real != case.path_parameters:
            generated = case.path_parameters
            case.path_parameters = real
            try:
                _call(case, target.authorization)
            finally:
                case.path_parameters = generated
