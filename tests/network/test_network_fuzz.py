"""The network's endpoints fuzzed as an operator (tests/test_api_fuzz.py calls them as an
organisation's admin, who is refused before the services run): generated valid and invalid
input reaches the services' own checks, and no call may end in a server error. Each case is
sent as generated and with its path parameters pointing at real objects."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pytest_django import Settings

from laif.accounts import services as accounts
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.config.wsgi import application
from laif.entry import services as entry
from laif.entry.triage import Need
from laif.network import services
from tests.compute.fuzz_support import call_rolled_back
from tests.factories import make_world
from tests.network.network_matrix import INCOMING
from tests.wsgi_support import connections_kept_open

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex=r"^/api/(network/|referrals|intakes/)")

MAX_EXAMPLES = int(os.environ.get("LAIF_FUZZ_EXAMPLES", "30"))


@dataclass
class Target:
    authorization: str
    real_ids: dict[str, int | str]


@pytest.fixture
def no_connection_closing() -> Iterator[None]:
    with connections_kept_open():
        yield


@pytest.fixture
def target(db: None, settings: Settings, no_connection_closing: None) -> Target:
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = make_world()
    operator = access_for(w.operator), Actor.of(w.operator)
    intake = entry.intake_submit(
        user=w.project_lead, need=Need(goal="train_model", sector="other",
                                       data=frozenset({"text"}), budget="unknown",
                                       timeline="12_months"),
        contact=entry.Contact(name="Luc", email="", organisation="", language="en"),
        description="A ROCm port.").intake
    out = services.referral_create_outgoing(access=operator[0], actor=operator[1],
                                            intake_id=intake.pk, factory="lumi_aif",
                                            capabilities=["amd_gpu"])
    received = services.referral_register_incoming(access=operator[0], actor=operator[1],
                                                   **INCOMING)
    services.referral_status(access=operator[0], actor=operator[1], referral_id=received.pk,
                             status="accepted")
    _token, secret = accounts.api_token_create(actor=operator[1], user=w.operator, name="fuzz")
    return Target(authorization=f"Bearer {secret}",
                  real_ids={"intake_id": intake.pk, "referral_id": out.pk,
                            "factory_key": "lumi_aif"})


@schema.parametrize()
@hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_the_network_api_never_fails_with_a_server_error_for_staff(
        case: schemathesis.Case[Any], target: Target) -> None:
    call_rolled_back(case, target.authorization)
    if case.path_parameters:
        real = {name: target.real_ids.get(name, value)
                for name, value in case.path_parameters.items()}
        if real != case.path_parameters:
            generated = case.path_parameters
            case.path_parameters = real
            try:
                call_rolled_back(case, target.authorization)
            finally:
                case.path_parameters = generated
