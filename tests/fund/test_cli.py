"""``laif statements`` and ``laif cashback`` against the in-process API."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.fund import services
from tests.api_support import token_for
from tests.cli_support import run_cli
from tests.compute.billing_support import NOW, entry, issue
from tests.factories import World


def test_statements_and_cashback_from_the_cli(world: World, tmp_path: Path) -> None:
    entry(world.project, world.member, date(2026, 6, 1), gpu_s=3600)
    issue(world.operator, world.project, date(2026, 6, 1))
    entry(world.project, world.member, date(2026, 6, 1), gpu_s=3600)  # late
    entry(world.project, world.member, date(2026, 7, 1), gpu_s=36_000)
    july = issue(world.operator, world.project, date(2026, 7, 1))
    services.cashback_claim_compute(access=access_for(world.org_admin),
                                    actor=Actor.of(world.org_admin), statement_id=july.pk,
                                    now=NOW)
    token = token_for(world.org_admin)
    listed = run_cli(["statements", "list"], token)
    assert listed.exit_code == 0, listed.output
    assert "EUR 24.50" in listed.output
    assert "2026-07" in listed.output
    shown = run_cli(["statements", "show", str(july.pk)], token)
    assert "Adjustments: EUR 2.50" in shown.output
    assert "Total (full price): EUR 24.50" in shown.output
    target = tmp_path / "july.pdf"
    written = run_cli(["statements", "pdf", str(july.pk), "-o", str(target)], token)
    assert written.exit_code == 0, written.output
    assert target.read_bytes().startswith(b"%PDF")
    claims = run_cli(["cashback", "list"], token)
    assert claims.exit_code == 0, claims.output
    assert "EUR 19.60" in claims.output
    assert "computed" in claims.output
    assert "De minimis" in claims.output
    outsider = run_cli(["statements", "show", str(july.pk)], token_for(world.other_member))
    assert outsider.exit_code != 0


def test_cashback_list_shows_the_aid_recorded(world: World) -> None:
    services.aid_declare(access=access_for(world.org_admin), actor=Actor.of(world.org_admin),
                         organisation_id=world.org.pk, amount_cents=1_234_500,
                         granted_on=date(2026, 2, 1), legal_basis="block_exemption",
                         source="Ministry of the Economy, RDI 2026-8",
                         recipient="Luxinvest Holding S.A.")
    claims = run_cli(["cashback", "list"], token_for(world.org_admin))
    assert claims.exit_code == 0, claims.output
    assert "aid granted 2026-02-01: EUR 12,345.00 (block_exemption, received by Luxinvest " \
        "Holding S.A.)" in " ".join(claims.output.split())
