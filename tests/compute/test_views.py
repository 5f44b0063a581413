"""The compute pages for each role, and the forms: request, review, resubmit, withdraw, import."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from laif.accounts.models import User
from laif.allocations.models import Allocation, AllocationRequest
from tests.compute.support import review, set_capacity, submit
from tests.factories import World

pytestmark = pytest.mark.django_db

ClientFor = Callable[[User | None], Client]
ROLES = ("anonymous", "other_member", "member", "project_lead", "org_admin", "operator",
         "reviewer", "trainer", "auditor")
LOGIN = 302
STAFF = {"operator": 200, "reviewer": 200, "auditor": 200}


def html(response: Any) -> str:
    return str(response.content.decode())


def _pages(w: World, req: AllocationRequest) -> dict[str, tuple[int, dict[str, int]]]:
    project = w.project.pk
    return {
        "/compute/": (200, {"anonymous": LOGIN, "trainer": 403}),
        "/compute/review/": (403, {"anonymous": LOGIN, **STAFF}),
        "/compute/pools/": (403, {"anonymous": LOGIN, **STAFF}),
        f"/projects/{project}/allocation-requests/new/": (
            404, {"anonymous": LOGIN, "project_lead": 200, "org_admin": 200, "operator": 403,
                  "reviewer": 403, "auditor": 403}),
        f"/compute/requests/{req.pk}/": (404, {"anonymous": LOGIN, "project_lead": 200,
                                              "org_admin": 200, **STAFF}),
        f"/compute/requests/{req.pk}/resubmit/": (  # not open to changes: back to the request
            404, {"anonymous": LOGIN, "project_lead": 302, "org_admin": 302, "operator": 403,
                  "reviewer": 403, "auditor": 403}),
        "/compute/requests/999999/": (404, {"anonymous": LOGIN}),
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_page_for_each_role(world: World, client_for: ClientFor, role: str) -> None:
    req = submit(world.project, world.project_lead)
    client = client_for(world.user(role))
    failures = []
    for path, (default, overrides) in _pages(world, req).items():
        expected = overrides.get(role, default)
        response = client.get(path)
        if response.status_code != expected:
            failures.append(f"{path}: {response.status_code}, expected {expected}")
        elif expected == 404:
            assert req.title not in html(response), path
    assert not failures, f"{role}: " + "; ".join(failures)


def test_nav_links_to_the_allocations(world: World, client_for: ClientFor) -> None:
    for role in ("member", "operator"):
        assert 'href="/compute/"' in html(client_for(world.user(role)).get("/"))
    assert 'href="/compute/"' not in html(client_for(world.trainer).get("/"))


def test_request_form_submits_and_shows_errors(world: World, client_for: ClientFor) -> None:
    client = client_for(world.project_lead)
    home = html(client.get("/compute/"))
    new_url = f"/projects/{world.project.pk}/allocation-requests/new/"
    assert new_url in home
    assert "Announced figures, not verified" in home
    form = html(client.get(new_url))
    assert "Fast lane (up to 50,000 GPU-hours, 3 months)" in form
    assert "2026" in form  # the periods are named by their dates
    body = {"title": "Vision", "access_type": "fast_lane", "requested_gpu_hours": "60000",
            "justification": "Eight GPUs for 250 hours each on the images of line 3.",
            "expected_outputs": "A model.", "data_sensitivity": "internal",
            "requested_months": "3", "period": "next"}
    page = html(client.post(new_url, body))
    assert "Fast lane requests are for 1 to 50,000 GPU-hours." in page
    assert not AllocationRequest.objects.exists()
    response = client.post(new_url, {**body, "requested_gpu_hours": "6000"})
    req = AllocationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/compute/requests/{req.pk}/"
    detail = html(client.get(response["Location"]))
    assert "Your request is submitted" in detail
    assert "6,000" in detail
    assert "Withdraw the request" in detail
    assert "Record the decision" not in detail  # the lead does not review


def test_review_form(world: World, client_for: ClientFor) -> None:
    req = submit(world.project, world.project_lead, requested_gpu_hours=1_000)
    reviewer = client_for(world.reviewer)
    queue = html(reviewer.get("/compute/review/"))
    assert req.title in queue
    assert world.org.name in queue
    detail = html(reviewer.get(f"/compute/requests/{req.pk}/"))
    assert "Record the decision" in detail
    assert "This pool can still grant" in detail
    assert not re.search(r'name="decision"[^>]*checked', detail)  # no decision chosen for them
    url = f"/compute/requests/{req.pk}/review/"
    undecided = reviewer.post(url, {"gpu_hours": "", "comment": ""})
    assert undecided.status_code == 400
    assert "Choose a decision." in html(undecided)

    refused = reviewer.post(url, {"decision": "reject", "comment": ""})
    assert refused.status_code == 400
    assert "Say why in a comment" in html(refused)

    set_capacity(req, 500)  # can grant 600
    over = reviewer.post(url, {"decision": "approve", "gpu_hours": "", "comment": ""})
    assert over.status_code == 400
    assert "only 600 are left" in html(over)

    response = reviewer.post(url, {"decision": "approve", "gpu_hours": "600", "comment": "ok"})
    assert response.status_code == 302
    assert response["Location"] == "/compute/review/"
    assert Allocation.objects.get(request=req).granted_gpu_hours == 600
    assert req.title not in html(reviewer.get("/compute/review/"))
    lead_view = html(client_for(world.project_lead).get(f"/compute/requests/{req.pk}/"))
    assert "Granted GPU-hours" in lead_view
    assert re.search(r"<dt>Used</dt><dd><span [^>]*>0.00</span></dd>\s*"
                     r"<dt>Left</dt><dd><span [^>]*>600.00</span></dd>", lead_view)

    # Only reviewers post decisions; outsiders learn nothing.
    other = submit(world.project, world.project_lead)
    assert client_for(world.operator).post(f"/compute/requests/{other.pk}/review/",
                                           {"decision": "approve"}).status_code == 403
    assert client_for(world.project_lead).post(f"/compute/requests/{other.pk}/review/",
                                               {"decision": "approve"}).status_code == 403
    assert client_for(world.other_member).post(f"/compute/requests/{other.pk}/review/",
                                               {"decision": "x"}).status_code == 404


def test_changes_resubmit_and_withdraw(world: World, client_for: ClientFor) -> None:
    req = submit(world.project, world.project_lead)
    review(req, world.reviewer, "request_changes", comment="Add the scaling figures.")
    client = client_for(world.org_admin)
    detail = html(client.get(f"/compute/requests/{req.pk}/"))
    assert "Edit and resubmit" in detail
    assert "Add the scaling figures." in detail
    url = f"/compute/requests/{req.pk}/resubmit/"
    form = html(client.get(url))
    assert "The reviewers asked for these changes:" in form
    assert req.justification in form  # pre-filled
    response = client.post(url, {
        "title": req.title, "access_type": "fast_lane", "requested_gpu_hours": "9000",
        "requested_months": "2", "justification": req.justification + " Scaling: 90% on 8 GPUs.",
        "expected_outputs": req.expected_outputs, "data_sensitivity": "internal"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert (req.status, req.requested_gpu_hours, req.requested_months) == ("submitted", 9000, 2)

    response = client.post(f"/compute/requests/{req.pk}/withdraw/")
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == "withdrawn"
    again = client.post(f"/compute/requests/{req.pk}/withdraw/", follow=True)
    assert "only an open request can be withdrawn" in html(again)
    assert client_for(world.reviewer).post(
        f"/compute/requests/{req.pk}/withdraw/").status_code == 403
    assert client_for(world.other_member).post(
        f"/compute/requests/{req.pk}/withdraw/").status_code == 404


def test_pools_page_and_award_import(world: World, client_for: ClientFor) -> None:
    req = submit(world.project, world.project_lead, requested_gpu_hours=1_000)
    review(req, world.reviewer, "approve", gpu_hours=800)
    auditor_page = html(client_for(world.auditor).get("/compute/pools/"))
    assert "National pool" in auditor_page
    assert "EuroHPC pool" in auditor_page
    assert "from the usage ledger" in auditor_page
    assert "Import EuroHPC awards" not in auditor_page  # operators only

    operator = client_for(world.operator)
    assert "Import EuroHPC awards" in html(operator.get("/compute/pools/"))
    csv = ("reference,project,gpu_hours,start,end,access_type,title\n"
           f"EHPC-V-1,{world.project.code},4000,2026-08-01,2026-09-30,fast_lane,Vision\n")
    upload = SimpleUploadedFile("awards.csv", csv.encode(), content_type="text/csv")
    response = operator.post("/compute/pools/eurohpc-import/", {"file": upload}, follow=True)
    assert "1 EuroHPC award(s) imported, 0 already there" in html(response)
    assert Allocation.objects.get(eurohpc_reference="EHPC-V-1").granted_gpu_hours == 4000

    bad = SimpleUploadedFile("awards.csv", b"reference,project\nx,y\n")
    response = operator.post("/compute/pools/eurohpc-import/", {"file": bad})
    assert response.status_code == 400
    assert "the header line lacks" in html(response)
    unknown = SimpleUploadedFile("a.json", b'[{"reference": "EHPC-9", "project": "nope", '
                                 b'"gpu_hours": 1, "start": "2026-08-01", "end": "2026-08-02", '
                                 b'"access_type": "fast_lane"}]')
    response = operator.post("/compute/pools/eurohpc-import/", {"file": unknown})
    assert "No project has the code nope." in html(response)
    assert client_for(world.reviewer).post("/compute/pools/eurohpc-import/",
                                           {"file": upload}).status_code == 403

    lead_home = html(client_for(world.project_lead).get("/compute/"))
    assert "EHPC-V-1" in lead_home
    assert "4,000" in lead_home


def test_pages_in_french(world: World, client_for: ClientFor) -> None:
    req = submit(world.project, world.project_lead)
    client = client_for(world.project_lead)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    home = html(client.get("/compute/"))
    assert "Allocations GPU" in home
    assert "Voie rapide" in home
    assert "Soumise" in home
    detail = html(client.get(f"/compute/requests/{req.pk}/"))
    assert "Heures GPU demandées" in detail
    assert "20\u202f000" in detail or "20\u00a0000" in detail  # French digit grouping
    assert "Retirer la demande" in detail
