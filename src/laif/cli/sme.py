"""``laif sme``: SME status declarations from the command line (through the REST API).

- ``laif sme list [--org ID]``: the organisation's declarations, the verified status and why;
- ``laif sme verify ID [--note TEXT]`` and ``laif sme reject ID --note TEXT``: factory operators.

Declaring (figures and holdings) is done on the SME status page or with
``POST /api/organisations/{id}/sme-declarations``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from laif.cli import session
from laif.cli.client import ApiError
from laif.cli.statements import OrgOption, org_id_of

sme_app = typer.Typer(help="SME status: declarations per accounting year (list, verify, reject).",
                      no_args_is_help=True)

DeclarationId = Annotated[int, typer.Argument(min=1, max=2_147_483_647)]


def _show(declarations: list[dict[str, Any]]) -> None:
    table = Table(title="SME declarations")
    for column in ("Id", "Year", "State", "Staff (AWU)", "With partners and linked",
                   "Year's class", "Status"):
        table.add_column(column)
    for d in declarations:
        totals = "—" if d["total_staff_awu"] is None else f"{d['total_staff_awu']} AWU"
        table.add_row(str(d["id"]), str(d["year"]), d["state"], str(d["staff_awu"]), totals,
                      d["year_class"] or "—", d["sme_class"] or "—")
    session.console.print(table)
    for d in declarations:
        if d["reasons"]:
            session.console.print(f"[bold]{d['year']}[/bold] ({d['state']}):")
            for reason in d["reasons"]:
                session.console.print(f"  - {escape(reason['text'])}")


@sme_app.command("list")
def sme_list(org: OrgOption = None) -> None:
    """The organisation's declarations, newest year first, with the reasons of each status."""
    client = session.client()
    try:
        found = client.get(f"/organisations/{org_id_of(client, org)}/sme-declarations")
    except ApiError as exc:
        raise session.fail(exc) from exc
    _show(found)


def _review(declaration_id: int, decision: str, note: str) -> None:
    client = session.client()
    try:
        done = client.post(f"/sme-declarations/{declaration_id}/{decision}", json={"note": note})
    except ApiError as exc:
        raise session.fail(exc) from exc
    _show([done])


@sme_app.command("verify")
def sme_verify(declaration_id: DeclarationId,
               note: Annotated[str, typer.Option(help="What was checked")] = "") -> None:
    """Verify a submitted declaration (factory operators)."""
    _review(declaration_id, "verify", note)


@sme_app.command("reject")
def sme_reject(declaration_id: DeclarationId,
               note: Annotated[str, typer.Option(help="Why (required)")]) -> None:
    """Reject a declaration, submitted or verified (factory operators)."""
    _review(declaration_id, "reject", note)
