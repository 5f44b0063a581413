"""The AI maturity check through its pages, API and CLI: an organisation admin takes it, sees
each dimension's score with the answers that drove it and the level, takes it again and sees the
progress; members read it; the sector aggregate appears only with five other organisations,
the same for every viewer, and is refreshed only after five new checks."""

from __future__ import annotations

from typing import Any

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.models import Organisation
from laif.assess import services
from laif.assess.models import Assessment, SectorBenchmark
from laif.catalogue.assess import load_questionnaire
from tests.api_support import client_as, token_for
from tests.assess.assess_matrix import every_answer
from tests.cli_support import run_cli
from tests.factories import World, sign_up
from tests.views_support import html

Q = load_questionnaire()


def answers(points: int, **chosen: str) -> dict[str, str]:
    return {**every_answer(points), **chosen}


def take(org: Organisation, admin: Any, points: int, **chosen: str) -> Assessment:
    return services.assessment_submit(access=access_for(admin), actor=Actor.of(admin),
                                      organisation_id=org.pk, answers=answers(points, **chosen))


def test_an_admin_takes_the_check_and_sees_scores_drivers_level_and_progress(
        world: World) -> None:
    client = client_as(world.org_admin)
    form = html(client.get(f"/organisations/{world.org.pk}/maturity/take/"))
    assert "21 questions in 7 dimensions" in form
    assert "Operations and supply chain" in form
    response = client.post(f"/organisations/{world.org.pk}/maturity/take/",
                           answers(1, strategy_plan="funded", data_access="governed"))
    assert response.status_code == 302
    page = html(client.get(f"/organisations/{world.org.pk}/maturity/"))
    assert "Level 2 of 5: Experimenting" in page
    strategy = page.split('id="dimension-strategy"')[1].split("</tr>")[0]
    assert '<td class="num">50</td>' in strategy  # (3 + 1) / 8
    assert strategy.index("Who sponsors AI") < strategy.index("Does your organisation have")
    assert 'id="progress-chart"' not in page  # one check: nothing to compare yet
    client.post(f"/organisations/{world.org.pk}/maturity/take/", answers(3))
    page = html(client.get(f"/organisations/{world.org.pk}/maturity/"))
    assert 'id="progress-chart"' in page
    assert page.count("<polyline") == 8  # the overall score and the seven dimensions
    assert "Level 4 of 5: Scaling" in page
    # the form starts from the last answers
    again = html(client.get(f"/organisations/{world.org.pk}/maturity/take/"))
    assert 'value="funded"' in again


def test_members_read_the_check_others_never_see_it_and_only_admins_take_it(
        world: World) -> None:
    take(world.org, world.org_admin, 2)
    assert client_as(world.member).get(f"/organisations/{world.org.pk}/maturity/").status_code \
        == 200
    assert client_as(world.member).get(
        f"/organisations/{world.org.pk}/maturity/take/").status_code == 403
    assert client_as(world.other_member).get(
        f"/organisations/{world.org.pk}/maturity/").status_code == 404
    refused = client_as(world.member).post(
        f"/api/organisations/{world.org.pk}/assessments", {"answers": answers(2)},
        content_type="application/json")
    assert refused.status_code == 403
    assert Assessment.objects.count() == 1


def test_a_wrong_answer_is_refused_on_its_question(world: World) -> None:
    client = client_as(world.org_admin)
    response = client.post(f"/api/organisations/{world.org.pk}/assessments",
                           {"answers": {**answers(2), "sponsor": "the_intern"}},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "sponsor"
    page = client.post(f"/organisations/{world.org.pk}/maturity/take/",
                       {k: v for k, v in answers(2).items() if k != "ethics"})
    assert page.status_code == 200
    assert 'id="id_ethics_error"' in html(page)
    assert Assessment.objects.count() == 0


def _industry(count: int, start: int = 0) -> list[tuple[Organisation, Any]]:
    return [sign_up(f"Factory {start + i}", f"admin@factory{start + i}.lu", sector="industry")
            for i in range(count)]


def test_the_sector_aggregate_is_the_same_for_everyone_and_waits_for_five_new_checks(
        world: World) -> None:
    assert world.org.sector == "industry"
    peers = _industry(5)
    for i, (org, admin) in enumerate(peers):
        take(org, admin, 2, data_access=["spreadsheets", "databases"][i % 2])
    first = SectorBenchmark.objects.get()
    assert len(first.contributions) == 5
    # Acme (not in it) sees five others; a contributor sees only four: not shown to it
    acme = client_as(world.org_admin).get(f"/api/organisations/{world.org.pk}/benchmark").json()
    assert acme["shown"] is True
    assert acme["others"] == 5
    peer_org, peer_admin = peers[0]
    peer = client_as(peer_admin).get(f"/api/organisations/{peer_org.pk}/benchmark").json()
    assert (peer["shown"], peer["others"]) == (False, 4)
    # Acme takes the check: one more contribution publishes nothing, so comparing the views
    # before and after cannot tell Acme's answers
    take(world.org, world.org_admin, 4)
    assert SectorBenchmark.objects.count() == 1
    after = client_as(world.org_admin).get(f"/api/organisations/{world.org.pk}/benchmark").json()
    assert after["values"] == acme["values"]
    assert after["published_at"] == acme["published_at"]
    # four more: five new contributions, a new snapshot; every viewer sees the same numbers
    for org, admin in _industry(4, start=10):
        take(org, admin, 2)
    assert SectorBenchmark.objects.count() == 2
    seen = [client_as(admin).get(f"/api/organisations/{org.pk}/benchmark").json()
            for org, admin in [(world.org, world.org_admin), *peers]]
    assert all(v["shown"] for v in seen)
    assert len({tuple(sorted(v["values"].items())) for v in seen}) == 1
    # another sector sees nothing of it
    globex = client_as(world.other_member).get(
        f"/api/organisations/{world.other_org.pk}/benchmark").json()
    assert (globex["shown"], globex["sector"]) == (False, "finance")
    page = html(client_as(world.org_admin).get(f"/organisations/{world.org.pk}/maturity/"))
    assert "other organisations of Industry and green economy (your answers excluded)" in page


def test_the_api_and_the_cli(world: World) -> None:
    questionnaire = client_as(None).get("/api/assess/questionnaire?language=fr").json()
    assert questionnaire["dimensions"][2]["title"] == "Préparation des données"
    created = client_as(world.org_admin).post(
        f"/api/organisations/{world.org.pk}/assessments", {"answers": answers(2)},
        content_type="application/json")
    assert created.status_code == 201
    out = created.json()
    assert (out["overall"], out["level"]) == (46, 3)  # 50, 38, 50, 50, 50, 33, 50
    assert out["scores"][0]["drivers"][0]["question"] == "sponsor"
    shown = run_cli(["maturity", "show"], token_for(world.member))
    assert shown.exit_code == 0, shown.output
    assert "Level 3 of 5" in shown.output
    assert "Data readiness" in shown.output
