"""EuroHPC awards: imported into the EuroHPC pools (not reviewed again), idempotent by award
reference, all or nothing, refused with the figures past capacity x overbooking."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, DomainError, PermissionDenied
from laif.accounts.models import AuditEntry, User
from laif.allocations import eurohpc
from laif.allocations.awards import Award, parse_csv
from laif.allocations.models import Allocation, Pool
from tests.api_support import client_as
from tests.compute.support import pool_of, set_capacity
from tests.factories import World

pytestmark = pytest.mark.django_db


def award(world: World, reference: str = "EHPC-AIF-2026A01-001", hours: int = 20_000,
          start: date = date(2026, 2, 1), end: date = date(2026, 4, 30), **changes: Any) -> Award:
    values: dict[str, Any] = {
        "reference": reference, "project": world.project.code, "gpu_hours": hours,
        "start": start, "end": end, "access_type": "fast_lane", "title": "Vision transformer",
    }
    values.update(changes)
    return Award(**values)


def run_import(by: User, awards: list[Award]) -> eurohpc.ImportResult:
    return eurohpc.eurohpc_import(access=access_for(by), actor=Actor.of(by), awards=awards)


def test_import_goes_to_the_eurohpc_pool_and_is_idempotent(world: World) -> None:
    awards = [award(world), award(world, "EHPC-AIF-2026A01-002", 5_000,
                                  project=world.other_project.code, access_type="development")]
    first = run_import(world.operator, awards)
    assert [a.eurohpc_reference for a in first.created] == ["EHPC-AIF-2026A01-001",
                                                            "EHPC-AIF-2026A01-002"]
    assert first.unchanged == []
    allocation = Allocation.objects.get(eurohpc_reference="EHPC-AIF-2026A01-001")
    assert allocation.pool.kind == "eurohpc"
    assert (allocation.pool.period.start, allocation.pool.period.end) == (date(2026, 1, 1),
                                                                          date(2026, 6, 30))
    assert allocation.request is None
    assert (allocation.start, allocation.end, allocation.granted_gpu_hours) == (
        date(2026, 2, 1), date(2026, 4, 30), 20_000)
    assert AuditEntry.objects.filter(action="allocation.imported").count() == 2
    assert AuditEntry.objects.get(
        action="allocation.imported", target=f"allocation:{allocation.pk}"
    ).organisation_id_ref == world.org.pk

    again = run_import(world.operator, awards)
    assert again.created == []
    assert again.unchanged == ["EHPC-AIF-2026A01-001", "EHPC-AIF-2026A01-002"]
    assert Allocation.objects.count() == 2
    # A file with old and new awards imports only the new ones.
    mixed = run_import(world.operator, [*awards, award(world, "EHPC-AIF-2026A01-003", 1_000)])
    assert [a.eurohpc_reference for a in mixed.created] == ["EHPC-AIF-2026A01-003"]
    assert len(mixed.unchanged) == 2


def test_an_award_imported_with_other_figures_is_refused(world: World) -> None:
    run_import(world.operator, [award(world)])
    with pytest.raises(Conflict, match="imported before with other figures"):
        run_import(world.operator, [award(world, hours=25_000),
                                    award(world, "EHPC-AIF-2026A01-009", 10)])
    assert Allocation.objects.count() == 1  # all or nothing


def test_import_past_the_pool_ceiling_is_refused_with_the_figures(world: World) -> None:
    pool = pool_of(date(2026, 2, 1), "eurohpc")
    set_capacity(pool, 10_000)  # can grant 12,000
    run_import(world.operator, [award(world, "EHPC-1", 7_000)])
    with pytest.raises(Conflict) as caught:
        run_import(world.operator, [award(world, "EHPC-2", 3_000), award(world, "EHPC-3", 3_000)])
    message = caught.value.message
    for words in ("EuroHPC pool of 1 January 2026 to 30 June 2026", "capacity 10,000",
                  "overbooking 1.2", "= 12,000 GPU-hours", "already granted 7,000",
                  "requested 6,000", "only 5,000 are left"):
        assert words in message, (words, message)
    assert Allocation.objects.count() == 1
    # The national pool is untouched by EuroHPC awards, and exactly the ceiling fits.
    assert run_import(world.operator, [award(world, "EHPC-4", 5_000)]).created
    assert Pool.objects.get(pk=pool.pk).allocations.count() == 2


@pytest.mark.parametrize(("changes", "words"), [
    ({"project": "no-such-project"}, "No project has the code no-such-project"),
    ({"access_type": "gigafactory"}, "unknown access type gigafactory"),
    ({"end": date(2026, 8, 31)}, "after its allocation period (1 January 2026 to 30 June 2026)"),
])
def test_bad_awards_are_refused(world: World, changes: dict[str, Any], words: str) -> None:
    with pytest.raises(DomainError) as caught:
        run_import(world.operator, [award(world, **changes)])
    assert words in caught.value.message
    assert not Allocation.objects.exists()


@pytest.mark.parametrize("role", ["reviewer", "auditor", "trainer", "org_admin", "project_lead"])
def test_only_operators_import(world: World, role: str) -> None:
    user = world.user(role)
    assert user is not None
    with pytest.raises(PermissionDenied):
        run_import(user, [award(world)])


def test_management_command_json_and_csv(world: World, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    json_file = tmp_path / "awards.json"
    json_file.write_text(json.dumps({"awards": [{
        "reference": "EHPC-J-1", "project": world.project.code, "gpu_hours": 800,
        "start": "2026-03-01", "end": "2026-03-31", "access_type": "development"}]}))
    call_command("eurohpc_import", str(json_file), "--operator", world.operator.email)
    assert "1 imported, 0 unchanged." in capsys.readouterr().out
    call_command("eurohpc_import", str(json_file), "--operator", world.operator.email)
    assert "0 imported, 1 unchanged." in capsys.readouterr().out

    csv_file = tmp_path / "awards.csv"
    csv_file.write_text("reference,project,gpu_hours,start,end,access_type\n"
                        f"EHPC-C-1,{world.project.code},900,2026-08-01,2026-09-30,fast_lane\n")
    call_command("eurohpc_import", str(csv_file), "--operator", world.operator.email)
    assert Allocation.objects.get(eurohpc_reference="EHPC-C-1").pool.period.start == date(
        2026, 7, 1)

    bad = tmp_path / "bad.csv"
    bad.write_text("reference,project,gpu_hours,start,end,access_type\nx,P,0,,,\n")
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("eurohpc_import", str(bad), "--operator", world.operator.email)
    assert "row 2" in capsys.readouterr().err
    with pytest.raises(CommandError, match="nothing imported: Only operators"):
        call_command("eurohpc_import", str(json_file), "--operator", world.reviewer.email)
    with pytest.raises(CommandError, match="no active account"):
        call_command("eurohpc_import", str(json_file), "--operator", "nobody@example.lu")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("eurohpc_import", str(tmp_path / "missing.csv"), "--operator",
                     world.operator.email)


def test_api_import(world: World) -> None:
    body = {"awards": [{"reference": "EHPC-A-1", "project": world.project.code,
                        "gpu_hours": 1_000, "start": "2026-02-01", "end": "2026-02-28",
                        "access_type": "development", "title": "Tests"}]}
    operator = client_as(world.operator)
    response = operator.post("/api/compute/eurohpc-awards", body,
                             content_type="application/json")
    assert response.status_code == 200, response.content
    created = response.json()["created"]
    assert created[0]["eurohpc_reference"] == "EHPC-A-1"
    assert created[0]["pool"] == "eurohpc"
    again = operator.post("/api/compute/eurohpc-awards", body, content_type="application/json")
    assert again.json() == {"created": [], "unchanged": ["EHPC-A-1"]}
    duplicate = {"awards": body["awards"] * 2}
    response = operator.post("/api/compute/eurohpc-awards", duplicate,
                             content_type="application/json")
    assert response.status_code == 400
    assert "already on row 1" in response.json()["detail"]
    reviewer = client_as(world.reviewer)
    assert reviewer.post("/api/compute/eurohpc-awards", body,
                         content_type="application/json").status_code == 403


def test_csv_file_parsed_then_imported(world: World) -> None:
    awards = parse_csv("reference,project,gpu_hours,start,end,access_type,title\n"
                       f"EHPC-X-1,{world.project.code},10,2026-01-05,2026-01-06,development,x\n")
    assert run_import(world.operator, awards).created[0].granted_gpu_hours == 10
