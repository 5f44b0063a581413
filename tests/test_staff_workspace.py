"""The staff workspace (issue 22, point 5): each staff role lands on what it does, the dashboard
lists the queues of the viewer's roles with what waits in each, and the operators' cashback
queue gathers the claims of every organisation, each arrival a notice to them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from laif.accounts import services
from laif.accounts.audit import SYSTEM
from laif.accounts.models import Notice
from tests.api_support import client_as
from tests.compute.support import submit
from tests.factories import PASSWORD, World, add_member, staff
from tests.fund.cashback_support import submitted_claim

pytestmark = pytest.mark.django_db


def _log_in(email: str, then: str = "") -> str:
    response = Client().post("/login/" + (f"?next={then}" if then else ""),
                             {"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return str(response["Location"])


def test_each_role_lands_on_what_it_does(world: World) -> None:
    assert _log_in(world.reviewer.email) == "/compute/review/"
    assert _log_in(world.auditor.email) == "/staff/audit/"
    assert _log_in(world.operator.email) == "/"
    assert _log_in(world.trainer.email) == "/"
    assert _log_in(world.org_admin.email) == "/"
    # an address asked for wins; several roles: the dashboard with all their queues
    assert _log_in(world.reviewer.email, then="/compute/pools/") == "/compute/pools/"
    both = staff("reviewer", "both@ai-factory.lu")
    services.staff_role_grant(actor=SYSTEM, user=both, role="auditor")
    assert _log_in(both.email) == "/"


def _queues(html: str) -> dict[str, int]:
    return {key: int(n) for key, n in re.findall(
        r'id="queue-(\w+)".*?<span class="kpi-value">(\d+)</span>', html, re.S)}


def test_the_dashboard_lists_the_queues_of_the_viewer_s_roles(world: World) -> None:
    submit(world.project, world.project_lead)  # a request for GPU-hours
    reviewer = client_as(world.reviewer).get("/").content.decode()
    assert _queues(reviewer) == {"review": 1}
    operator = client_as(world.operator).get("/").content.decode()
    assert _queues(operator) == {"cashback": 0, "inbox": 0, "sme": 0}
    submitted_claim(world)
    operator = client_as(world.operator).get("/").content.decode()
    assert _queues(operator)["cashback"] == 1
    assert 'href="/staff/cashback/"' in operator
    # the fullest queue first
    assert next(iter(_queues(operator))) == "cashback"
    assert _queues(client_as(world.trainer).get("/").content.decode()) == {}


def test_a_submitted_claim_waits_in_the_operators_queue_and_tells_them(world: World) -> None:
    claim = submitted_claim(world)
    second_operator = staff("operator", "ops2@ai-factory.lu")
    notices = Notice.objects.filter(kind="cashback.submitted")
    assert {n.recipient_id for n in notices} >= {world.operator.pk}
    assert all(n.link == "/staff/cashback/" for n in notices)
    assert "Acme Vision submitted a cashback claim of EUR" in notices[0].text
    page = client_as(second_operator).get("/staff/cashback/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Acme Vision" in html
    assert f'href="/organisations/{claim.organisation_id}/cashback/#claims"' in html
    for who in (world.reviewer, world.auditor, world.trainer, world.org_admin, world.member):
        assert client_as(who).get("/staff/cashback/").status_code == 404, who
    member = add_member(world.org, "late@acme.lu")
    assert client_as(member).get("/staff/cashback/").status_code == 404
