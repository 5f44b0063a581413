"""The AI system register: an organisation registers a system, classifies it under the EU AI Act
(each conclusion with its article), and keeps the status and evidence of the obligations that
follow, through the API and the pages, in English and French; who may do what."""

from __future__ import annotations

from typing import Any

from laif.accounts.models import AuditEntry
from tests.api_support import JSON, client_as
from tests.factories import World, create_project

CREDIT = {"name": "Loan pre-screening", "purpose": "Scores consumer loan applicants."}
CREDIT_ANSWERS: dict[str, Any] = {"roles": ["provider", "deployer"], "areas": ["credit_scoring"],
                                  "profiling": True}


def _register(world: World, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client_as(world.org_admin).post(f"/api/organisations/{world.org.pk}/ai-systems",
                                               body or CREDIT, content_type=JSON)
    assert response.status_code == 201, response.content
    return dict(response.json())


def _classify(world: World, system_id: int, answers: dict[str, Any], user: Any = None,
              status: int = 201) -> dict[str, Any]:
    response = client_as(user or world.org_admin).post(
        f"/api/ai-systems/{system_id}/classifications", answers, content_type=JSON)
    assert response.status_code == status, response.content
    return dict(response.json())


def test_credit_scoring_is_high_risk_with_its_articles_and_obligations(world: World) -> None:
    system = _register(world)
    assert system["category"] == ""
    assert system["obligations"] == []
    done = _classify(world, system["id"], CREDIT_ANSWERS)
    assert done["category"] == "high_risk"
    latest = done["classifications"][-1]
    assert "Art. 6(2), Annex III, point 5(b)" in [c["article"] for c in latest["conclusions"]]
    assert latest["answers"]["areas"] == ["credit_scoring"]
    keys = {o["key"]: o for o in done["obligations"]}
    assert keys["risk_management"]["article"] == "Art. 9"
    assert keys["risk_management"]["who"] == "provider"
    # a deployer of a 5(b) system assesses its impact on fundamental rights (Art. 27)
    assert keys["fundamental_rights_impact_assessment"]["article"].startswith("Art. 27")
    assert all(o["status"] == "open" for o in done["obligations"])
    assert all(o["required"] for o in done["obligations"])
    # the register lists it with its category
    listed = client_as(world.member).get(f"/api/organisations/{world.org.pk}/ai-systems").json()
    assert [(s["name"], s["category"]) for s in listed] == [("Loan pre-screening", "high_risk")]
    actions = list(AuditEntry.objects.filter(target=f"ai_system:{system['id']}")
                   .values_list("action", flat=True))
    assert actions == ["govern.system_registered", "govern.classified"]

    # the page says the same, with the reasons, in English and in French
    page = client_as(world.member).get(f"/ai-systems/{system['id']}/").content.decode()
    assert 'data-category="high_risk"' in page
    assert "Annex III, point 5(b)" in page
    assert "Art. 27" in page
    assert 'id="classify-link"' not in page  # a member reads, the admins classify
    fr = client_as(world.member).get(f"/ai-systems/{system['id']}/",
                                     headers={"accept-language": "fr"}).content.decode()
    assert "Haut risque" in fr
    assert "Obligations" in fr
    assert "En tant que déployeur" in fr


def test_fraud_detection_is_not_high_risk_and_earlier_duties_are_kept(world: World) -> None:
    system = _register(world)
    first = _classify(world, system["id"], CREDIT_ANSWERS)
    client = client_as(world.org_admin)
    response = client.put(f"/api/ai-systems/{system['id']}/obligations/risk_management",
                          {"status": "met", "evidence": "Risk file v3, DMS ref RM-12"},
                          content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "met"
    # the purpose is narrowed to fraud detection: Annex III 5(b)'s own exception
    done = _classify(world, system["id"], {"roles": ["provider", "deployer"],
                                           "areas": ["credit_scoring"],
                                           "exceptions": ["fraud_detection"]})
    assert done["category"] == "minimal_risk"
    assert len(done["classifications"]) == 2
    assert done["classifications"][0]["category"] == "high_risk"
    kept = {o["key"]: o for o in done["obligations"]}
    assert set(kept) == {o["key"] for o in first["obligations"]}  # none deleted
    assert not any(o["required"] for o in done["obligations"])
    assert kept["risk_management"]["status"] == "met"
    assert kept["risk_management"]["evidence"] == "Risk file v3, DMS ref RM-12"
    page = client.get(f"/ai-systems/{system['id']}/").content.decode()
    assert "No longer required by the latest classification" in page
    assert 'id="history"' in page
    # classified high-risk again: the same duties come back, with what they had
    again = _classify(world, system["id"], CREDIT_ANSWERS)
    assert {o["key"] for o in again["obligations"] if o["required"]} == set(kept)
    assert {o["key"]: o for o in again["obligations"]}["risk_management"]["status"] == "met"


def test_an_exemption_is_overridden_by_profiling(world: World) -> None:
    system = _register(world)
    done = _classify(world, system["id"], {"areas": ["credit_scoring"],
                                           "exemptions": ["narrow_procedural_task"],
                                           "profiling": True})
    assert done["category"] == "high_risk"
    assert "Art. 6(3), third subparagraph" in [
        c["article"] for c in done["classifications"][-1]["conclusions"]]
    without = _classify(world, system["id"], {"areas": ["credit_scoring"],
                                              "exemptions": ["narrow_procedural_task"]})
    assert without["category"] == "minimal_risk"
    required = [o["article"] for o in without["obligations"] if o["required"]]
    assert required == ["Art. 6(4)", "Art. 49(2)"]  # the duties of relying on Art. 6(3)


def test_met_needs_evidence_and_bad_answers_get_clear_errors(world: World) -> None:
    system = _register(world)
    _classify(world, system["id"], CREDIT_ANSWERS)
    client = client_as(world.org_admin)
    url = f"/api/ai-systems/{system['id']}/obligations/risk_management"
    refused = client.put(url, {"status": "met", "evidence": "  "}, content_type=JSON)
    assert refused.status_code == 400
    assert refused.json()["field"] == "evidence"
    assert client.put(url, {"status": "in_progress"}, content_type=JSON).status_code == 200
    missing = client.put(f"/api/ai-systems/{system['id']}/obligations/no_such_duty",
                         {"status": "open"}, content_type=JSON)
    assert missing.status_code == 404
    unknown = client.post(f"/api/ai-systems/{system['id']}/classifications",
                          {"areas": ["astrology"]}, content_type=JSON)
    assert unknown.status_code == 400
    assert unknown.json()["field"] == "areas"
    assert "astrology" in unknown.json()["detail"]
    no_role = client.post(f"/api/ai-systems/{system['id']}/classifications", {"roles": []},
                          content_type=JSON)
    assert no_role.status_code == 400
    assert no_role.json()["field"] == "roles"
    nul = client.post(f"/api/organisations/{world.org.pk}/ai-systems",
                      {"name": "a\x00b", "purpose": "x"}, content_type=JSON)
    assert nul.status_code == 422
    # nothing half-written: still one classification
    detail = client.get(f"/api/ai-systems/{system['id']}").json()
    assert len(detail["classifications"]) == 1
    assert {o["key"]: o["status"] for o in detail["obligations"]}["risk_management"] == \
        "in_progress"


def test_who_may_register_classify_and_update(world: World) -> None:
    # a system tied to the project: its lead classifies it; a member of the organisation reads
    tied = _register(world, {**CREDIT, "project_id": world.project.pk})
    _classify(world, tied["id"], CREDIT_ANSWERS, user=world.project_lead)
    _classify(world, tied["id"], CREDIT_ANSWERS, user=world.member, status=403)
    _classify(world, tied["id"], CREDIT_ANSWERS, user=world.other_member, status=404)
    _classify(world, tied["id"], CREDIT_ANSWERS, user=world.operator, status=403)
    # a system of the organisation alone: its admins only
    alone = _register(world)
    _classify(world, alone["id"], CREDIT_ANSWERS, user=world.project_lead, status=403)
    # a lead registers a system for their own project, not for another organisation's
    lead = client_as(world.project_lead)
    own = lead.post(f"/api/organisations/{world.org.pk}/ai-systems",
                    {**CREDIT, "project_id": world.project.pk}, content_type=JSON)
    assert own.status_code == 201
    assert lead.post(f"/api/organisations/{world.org.pk}/ai-systems", CREDIT,
                     content_type=JSON).status_code == 403
    foreign = client_as(world.org_admin).post(
        f"/api/organisations/{world.org.pk}/ai-systems",
        {**CREDIT, "project_id": world.other_project.pk}, content_type=JSON)
    assert foreign.status_code == 400
    assert foreign.json()["field"] == "project_id"
    # the staff who see client data read it (and the read is recorded), trainers do not
    assert client_as(world.auditor).get(f"/api/ai-systems/{tied['id']}").status_code == 200
    assert AuditEntry.objects.filter(action="data.accessed",
                                     target=f"ai_system:{tied['id']}").exists()
    assert client_as(world.trainer).get(f"/api/ai-systems/{tied['id']}").status_code == 404


def test_the_pages_register_classify_and_record_evidence(world: World) -> None:
    project = create_project(world.org, "Credit models", lead=world.project_lead)
    client = client_as(world.org_admin)
    empty = client.get(f"/organisations/{world.org.pk}/ai-systems/")
    assert empty.status_code == 200
    assert 'id="no-systems"' in empty.content.decode()
    made = client.post(f"/organisations/{world.org.pk}/ai-systems/",
                       {"name": "Loan pre-screening", "purpose": "Scores applicants.",
                        "project_id": str(project.pk)})
    assert made.status_code == 302
    system_url = made["Location"].removesuffix("classify/")
    form = client.get(made["Location"]).content.decode()
    assert "Annex III, point 5(b)" in form
    assert "Art. 6(3)(a)" in form
    done = client.post(made["Location"], {"roles": ["provider", "deployer"],
                                          "areas": ["credit_scoring"], "profiling": "on"})
    assert done.status_code == 302
    assert done["Location"] == system_url
    page = client.get(system_url).content.decode()
    assert 'data-category="high_risk"' in page
    assert 'id="obligation-fundamental_rights_impact_assessment"' in page
    # "met" without evidence is refused on the page, with the reason on the field
    key = "fundamental_rights_impact_assessment"
    refused = client.post(f"{system_url}obligations/{key}/", {f"{key}-status": "met",
                                                              f"{key}-evidence": ""})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    saved = client.post(f"{system_url}obligations/{key}/",
                        {f"{key}-status": "met", f"{key}-evidence": "FRIA 2026-11, signed"})
    assert saved.status_code == 302
    assert saved["Location"].endswith(f"#obligation-{key}")
    page = client.get(system_url).content.decode()
    assert "FRIA 2026-11, signed" in page
    # a member sees the evidence, without the forms
    read = client_as(world.member).get(system_url).content.decode()
    assert "FRIA 2026-11, signed" in read
    assert "obligation-form" not in read
    assert client_as(world.member).post(f"{system_url}obligations/{key}/", {
        f"{key}-status": "open", f"{key}-evidence": ""}).status_code == 403
    assert client_as(world.member).get(f"{system_url}classify/").status_code == 403
    assert client_as(world.other_member).get(system_url).status_code == 404
