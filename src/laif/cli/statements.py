"""``laif statements`` and ``laif cashback``: monthly statements and cashback claims from the
command line (through the REST API).

- ``laif statements list [--org ID]``: the organisation's issued statements;
- ``laif statements show ID``: its lines (adjustments marked), totals and credit notes;
- ``laif statements pdf ID [--output FILE]``: writes the PDF;
- ``laif cashback list [--org ID]``: cashback claims (a reimbursement, not a discount), the
  de minimis total and the aid recorded.

``--org`` may be left out by a member of exactly one organisation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from laif.cli import session
from laif.cli.client import ApiError, Client

statements_app = typer.Typer(help="Monthly statements (list, show, pdf).", no_args_is_help=True)
cashback_app = typer.Typer(help="The 80% compute cashback: claims and de minimis total.",
                           no_args_is_help=True)

OrgOption = Annotated[int | None, typer.Option("--org", min=1, max=2_147_483_647,
                                               help="Organisation id (default: your only one)")]


def euros(cents: int | None) -> str:
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    return f"{sign}EUR {abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def energy(joules: int | None) -> str:
    return "not reported" if joules is None else f"{joules / 3_600_000:,.3f} kWh"


def org_id_of(client: Client, org: int | None) -> int:
    """The organisation meant: ``--org``, or the person's only one."""
    if org is not None:
        return org
    orgs: list[dict[str, Any]] = client.get("/organisations")
    if len(orgs) != 1:
        raise ApiError(400, "give --org ID: you see " + (
            "no organisation" if not orgs else f"{len(orgs)} organisations"))
    return int(orgs[0]["id"])


@statements_app.command("list")
def statements_list(org: OrgOption = None) -> None:
    """Issued statements of the organisation, newest first."""

    client = session.client()
    try:
        found = client.get(f"/organisations/{org_id_of(client, org)}/statements")
    except ApiError as exc:
        raise session.fail(exc) from exc
    table = Table(title="Statements")
    for column in ("Id", "Month", "Number", "Total (full price)", "Adjustments", "Credited"):
        table.add_column(column)
    for s in found:
        table.add_row(str(s["id"]), s["month"][:7], escape(s["number"]), euros(s["total_cents"]),
                      euros(s["adjustment_cents"]), euros(s["credited_cents"]))
    session.console.print(table)


@statements_app.command("show")
def statements_show(statement_id: Annotated[int, typer.Argument(min=1, max=2_147_483_647)]
                    ) -> None:
    """A statement's lines, adjustments and totals."""

    client = session.client()
    try:
        s = client.get(f"/statements/{statement_id}")
        notes = client.get(f"/statements/{statement_id}/credit-notes")
    except ApiError as exc:
        raise session.fail(exc) from exc
    table = Table(title=f"Statement {escape(s['number'])} ({s['month'][:7]})")
    for column in ("Project", "Member", "Partition", "Resource", "Month of use", "Hours",
                   "EUR/h", "Amount", "Energy"):
        table.add_column(column)
    for ln in s["lines"]:
        month = ln["usage_month"][:7] + (" (adjustment)" if ln["is_adjustment"] else "")
        table.add_row(escape(ln["project"]), escape(ln["member"]), ln["partition"],
                      "GPU-hours" if ln["resource"] == "gpu" else "CPU-hours", month,
                      ln["hours"], ln["unit_price_eur"], euros(ln["amount_cents"]),
                      energy(ln["energy_j"]) if ln["resource"] == "gpu" else "—")
    session.console.print(table)
    session.console.print(f"Usage of the month: {euros(s['usage_cents'])}")
    session.console.print(f"Adjustments: {euros(s['adjustment_cents'])}")
    session.console.print(f"[bold]Total (full price): {euros(s['total_cents'])}[/bold]")
    for n in notes:
        session.console.print(f"Credit note {escape(n['number'])}: -{euros(n['total_cents'])} "
                          f"({escape(n['reason'])})")


@statements_app.command("pdf")
def statements_pdf(
    statement_id: Annotated[int, typer.Argument(min=1, max=2_147_483_647)],
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False,
                                                help="File to write (default: NUMBER.pdf)")]
    = None,
) -> None:
    """Write a statement's PDF to a file."""

    client = session.client()
    try:
        number = client.get(f"/statements/{statement_id}")["number"]
        content = client.get_bytes(f"/statements/{statement_id}/pdf")
    except ApiError as exc:
        raise session.fail(exc) from exc
    target = output or Path(f"{number}.pdf")
    target.write_bytes(content)
    session.console.print(f"Wrote {escape(str(target))} ({len(content):,} bytes)")


@cashback_app.command("list")
def cashback_list(org: OrgOption = None) -> None:
    """Cashback claims of the organisation and its de minimis total."""

    client = session.client()
    try:
        org_id = org_id_of(client, org)
        claims = client.get(f"/organisations/{org_id}/cashback-claims")
        total = client.get(f"/organisations/{org_id}/de-minimis")
        aid = client.get(f"/organisations/{org_id}/aid")
    except ApiError as exc:
        raise session.fail(exc) from exc
    table = Table(title="Cashback claims (a reimbursement: statements stay at full price)")
    for column in ("Id", "Month", "Statement (full price)", "Eligible", "Claimed", "State"):
        table.add_column(column)
    for c in claims:
        claimed = euros(c["amount_cents"]) + (f" (limited by {c['limited_by']})"
                                              if c["limited_by"] else "")
        if c["reduced_from_cents"] is not None:
            claimed += f" (reduced grant, claimed {euros(c['reduced_from_cents'])})"
        if c["over_de_minimis_cents"]:
            claimed += (f" (past the de minimis headroom by {euros(c['over_de_minimis_cents'])}:"
                        " the factory decides)")
        table.add_row(str(c["id"]), c["month"][:7], euros(c["statement_total_cents"]),
                      euros(c["eligible_cents"]), claimed, c["state"])
    session.console.print(table)
    session.console.print(f"De minimis since {total['since']}: received "
                      f"{euros(total['received_cents'])}, pending {euros(total['pending_cents'])}"
                      f", left {euros(total['left_cents'])} of {euros(total['ceiling_cents'])}")
    for a in aid:
        who = f", received by {escape(a['recipient'])}" if a["recipient"] else ""
        session.console.print(f"  aid granted {a['granted_on']}: {euros(a['amount_cents'])} "
                              f"({a['legal_basis']}{who}) {escape(a['source'])}")
