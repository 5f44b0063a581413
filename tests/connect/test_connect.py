"""Connect as its users meet it: a need in French or German matched to experts with the
competences that matched, an introduction asked, answered by the expert's contact, contact
details shown to both sides only once accepted; withdrawals, refusals, and the operators who
name the contacts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.models import User
from laif.connect import selectors, services
from laif.connect.models import Introduction
from tests.factories import World, add_member
from tests.views_support import html

pytestmark = pytest.mark.django_db

NEED_FR = ("Nous voulons prévoir les pannes de nos presses à partir des vibrations mesurées "
           "par des capteurs, avant qu'elles n'arrêtent la ligne.")
EXPERT = "list_industrial_ai"


def _as(user: User) -> dict[str, Any]:
    return {"access": access_for(user), "actor": Actor.of(user)}


@pytest.fixture
def expert(world: World) -> User:
    person = add_member(world.other_org, "nora.klein@list.lu", first_name="Nora",
                        last_name="Klein")
    services.expert_contact_add(**_as(world.operator), expert_key=EXPERT, email=person.email,
                                phone="+352 275 888 1")
    return person


def test_a_french_need_is_matched_to_experts_with_the_competences_that_matched(
        world: World, client_for: Callable[[User | None], Client]) -> None:
    found = selectors.match(need=NEED_FR, sector="manufacturing", language=None,
                            page_language="fr")
    assert found[0].language == "fr"
    top = {r.expert.key: r for r in found[:3]}
    assert EXPERT in top
    assert "predictive_maintenance" in {k for k, _label in top[EXPERT].competences}
    # the labels come in the page's language
    assert "Maintenance prédictive" in [label for _k, label in top[EXPERT].competences]
    page = html(client_for(world.member).get("/connect/", {"need": NEED_FR,
                                                            "sector": "manufacturing"}))
    assert "Experts for your need" in page
    assert "Request an introduction" in page
    api = client_for(world.member).post("/api/connect/matches", {"need": "Betrugserkennung "
                                        "bei Kartenzahlungen mit maschinellem Lernen",
                                        "sector": "finance"}, content_type="application/json")
    body = api.json()
    assert body[0]["language"] == "de"
    assert any("fraud_detection" in [c["key"] for c in m["matched_competences"]]
               for m in body[:3])


def test_bad_needs_get_a_clear_error(world: World,
                                     client_for: Callable[[User | None], Client]) -> None:
    with pytest.raises(DomainError, match="empty"):
        selectors.match(need="  ?! ", sector=None, language=None)
    with pytest.raises(DomainError, match="sector"):
        selectors.match(need=NEED_FR, sector="bakery", language=None)
    client = client_for(world.member)
    assert client.post("/api/connect/matches", {"need": "a\x00b"},
                       content_type="application/json").status_code == 422
    response = client.get("/connect/", {"need": "   "})
    assert response.status_code == 400
    assert client_for(None).get("/connect/").status_code == 302  # log in first


def test_an_introduction_hides_contact_details_until_the_expert_accepts(
        world: World, expert: User, client_for: Callable[[User | None], Client],
        django_capture_on_commit_callbacks: Any) -> None:
    w = world
    with django_capture_on_commit_callbacks(execute=True):
        intro = services.introduction_request(**_as(w.project_lead), organisation_id=w.org.pk,
                                              expert_key=EXPERT, need=NEED_FR,
                                              sector="manufacturing",
                                              message="18 mois de mesures.")
    assert "predictive_maintenance" in intro.competences
    [asked] = mail.outbox
    assert asked.to == ["nora.klein@list.lu"]
    assert "Acme Vision" in asked.body
    assert w.project_lead.email not in asked.body
    with pytest.raises(Conflict, match="already waits"):
        services.introduction_request(**_as(w.member), organisation_id=w.org.pk,
                                      expert_key=EXPERT, need=NEED_FR)

    expert_page = html(client_for(expert).get(f"/connect/introductions/{intro.pk}/"))
    lead_page = html(client_for(w.project_lead).get(f"/connect/introductions/{intro.pk}/"))
    assert w.project_lead.email not in expert_page
    assert "nora.klein@list.lu" not in lead_page
    assert "+352" not in lead_page
    assert "Contact details are shown to both sides once the expert accepts." in lead_page
    api = client_for(w.project_lead).get(f"/api/introductions/{intro.pk}").json()
    assert api["contacts"] == []
    assert api["status"] == "requested"

    # the company cannot answer for the expert, nor can the expert withdraw
    with pytest.raises(PermissionDenied):
        services.introduction_decide(**_as(w.org_admin), introduction_id=intro.pk, accept=True)
    with pytest.raises(PermissionDenied):
        services.introduction_withdraw(**_as(expert), introduction_id=intro.pk)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(expert).post(f"/connect/introductions/{intro.pk}/",
                                           {"action": "accept", "answer": "Volontiers."})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[w.project_lead.email]]
    lead_page = html(client_for(w.project_lead).get(f"/connect/introductions/{intro.pk}/"))
    assert "nora.klein@list.lu" in lead_page
    assert "+352 275 888 1" in lead_page
    assert "Volontiers." in lead_page
    assert w.project_lead.email in html(client_for(expert).get(
        f"/connect/introductions/{intro.pk}/"))
    # a member of the organisation reads it too; nobody else
    assert client_for(w.member).get(f"/connect/introductions/{intro.pk}/").status_code == 200
    assert client_for(w.trainer).get(f"/api/introductions/{intro.pk}").status_code == 404
    with pytest.raises(Conflict, match="already answered"):
        services.introduction_decide(**_as(expert), introduction_id=intro.pk, accept=False)


def test_declined_and_withdrawn_introductions_and_a_new_request_after(
        world: World, expert: User) -> None:
    w = world
    first = services.introduction_request(**_as(w.member), organisation_id=w.org.pk,
                                          expert_key=EXPERT, need=NEED_FR)
    services.introduction_decide(**_as(expert), introduction_id=first.pk, accept=False,
                                 answer="Not our field this year.")
    second = services.introduction_request(**_as(w.member), organisation_id=w.org.pk,
                                           expert_key=EXPERT, need=NEED_FR)
    with pytest.raises(PermissionDenied):  # a member who did not ask
        services.introduction_withdraw(**_as(w.project_lead), introduction_id=second.pk)
    services.introduction_withdraw(**_as(w.org_admin), introduction_id=second.pk)
    statuses = dict(Introduction.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "declined", second.pk: "withdrawn"}
    with pytest.raises(NotFound):  # another organisation's
        services.introduction_request(**_as(w.other_member), organisation_id=w.org.pk,
                                      expert_key=EXPERT, need=NEED_FR)
    with pytest.raises(PermissionDenied):  # staff see the organisation, do not ask for it
        services.introduction_request(**_as(w.operator), organisation_id=w.org.pk,
                                      expert_key=EXPERT, need=NEED_FR)
    with pytest.raises(NotFound):
        services.introduction_request(**_as(w.member), organisation_id=w.org.pk,
                                      expert_key="nobody", need=NEED_FR)


def test_an_expert_without_contact_sends_the_request_to_the_operators_who_name_one(
        world: World, client_for: Callable[[User | None], Client],
        django_capture_on_commit_callbacks: Any) -> None:
    w = world
    with django_capture_on_commit_callbacks(execute=True):
        services.introduction_request(**_as(w.member), organisation_id=w.org.pk,
                                      expert_key="snt_vision", need="Defect detection on "
                                      "images of our line.")
    assert [m.to for m in mail.outbox] == [[w.operator.email]]
    with pytest.raises(PermissionDenied):
        services.expert_contact_add(**_as(w.reviewer), expert_key="snt_vision",
                                    email=w.member.email)
    with pytest.raises(DomainError, match="No active account"):
        services.expert_contact_add(**_as(w.operator), expert_key="snt_vision",
                                    email="ghost@example.lu")
    operator = client_for(w.operator)
    response = operator.post("/staff/experts/", {"expert_key": "snt_vision",
                                                 "email": w.member.email, "phone": ""})
    assert response.status_code == 302
    assert "member@acme.lu" in html(operator.get("/staff/experts/"))
    assert client_for(w.member).get("/staff/experts/").status_code == 403
    # the member now answers for the team: it is in their list
    page = html(client_for(w.member).get("/connect/introductions/"))
    assert "Asked of the experts you answer for" in page


def test_the_directory_is_public_and_holds_no_contact_details(
        world: World, expert: User, client_for: Callable[[User | None], Client]) -> None:
    page = html(client_for(None).get("/connect/experts/"))
    assert "LuxProvide" in page
    assert "not verified" in page
    assert "nora.klein@list.lu" not in page
    api = client_for(None).get("/api/connect/experts").json()
    assert len(api) == len(selectors.directory().experts)
    assert "nora" not in str(api).lower()


def test_a_request_at_the_single_point_of_entry_leads_to_experts_and_courses(
        world: World, client_for: Callable[[User | None], Client],
        django_capture_on_commit_callbacks: Any) -> None:
    form = {"goal": "partner", "sector": "manufacturing", "data_kinds": ["sensor"],
            "budget": "10k_50k", "timeline": "12_months", "language": "en",
            "description": "Predict failures of our presses from vibration sensors.",
            "organisation": "Acme Vision", "consent": "on"}
    client = client_for(world.member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/start/", form)
    page = html(client.get("/start/sent/"))
    assert 'href="/connect/?need=Predict+failures+of+our+presses+from+vibration+sensors."' \
        in page
    assert "Find experts for this need" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/start/", {**form, "goal": "skills", "description": "Train our staff."})
    assert 'href="/training/"' in html(client.get("/start/sent/"))
