"""``laif funding check``: which funding instruments fit a planned project (through the REST
API; nothing is recorded)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from laif.cli import session
from laif.cli.client import ApiError
from laif.cli.statements import OrgOption, euros, org_id_of

funding_app = typer.Typer(help="Funding: check a planned project, applications, the rules in force.",
                          no_args_is_help=True)


@funding_app.command("check")
def funding_check(costs: Annotated[int, typer.Option("--costs", min=0, max=10**12,
                                                     help="Eligible project costs (EUR)")],
                  start: Annotated[str, typer.Option("--start", help="Work starts (YYYY-MM-DD)")],
                  compute: Annotated[int, typer.Option("--compute", min=0, max=10**12,
                                                       help="Of which compute (EUR)")] = 0,
                  org: OrgOption = None) -> None:
    """Each instrument: eligible, not eligible or to check, the amount and why."""
    try:
        start_on = date.fromisoformat(start)
    except ValueError as exc:
        raise typer.BadParameter("--start is a date, YYYY-MM-DD") from exc
    client = session.client()
    try:
        out = client.post(f"/organisations/{org_id_of(client, org)}/funding-check",
                          json={"costs_eur": costs, "compute_eur": compute,
                                "start_on": start_on.isoformat()})
    except ApiError as exc:
        raise session.fail(exc) from exc
    for warning in out["warnings"]:
        session.console.print(f"[bold yellow]Warning:[/] {escape(warning['text'])}")
    table = Table(title=f"Funding check (SME status: {out['sme_class'] or 'not verified'})")
    for column in ("Instrument", "Result", "Amount", "Why"):
        table.add_column(column)
    for i in out["instruments"]:
        result = i["outcome"].replace("_", " ") + (" (to confirm)" if i["to_confirm"] else "")
        amount = "—" if i["amount_cents"] is None else euros(i["amount_cents"])
        table.add_row(escape(i["name"]), result, amount,
                      escape(" ".join(r["text"] for r in i["reasons"])))
    session.console.print(table)


@funding_app.command("applications")
def funding_applications(org: OrgOption = None) -> None:
    """The organisation's funding applications: state, amounts applied for and granted."""
    client = session.client()
    try:
        found = client.get(f"/organisations/{org_id_of(client, org)}/funding-applications")
    except ApiError as exc:
        raise session.fail(exc) from exc
    table = Table(title="Funding applications")
    for column in ("Id", "Instrument", "Project", "State", "Applied for", "Granted", "Note"):
        table.add_column(column)
    for a in found:
        granted = "—" if a["granted_cents"] is None else euros(a["granted_cents"])
        table.add_row(str(a["id"]), a["instrument"], escape(a["title"]), a["state"],
                      euros(a["amount_cents"]), granted, escape(a["decision_note"]))
    session.console.print(table)


@funding_app.command("rules")
def funding_rules() -> None:
    """The funding instruments in force today, with their status and source."""
    client = session.client()
    try:
        found = client.get("/funding/instruments")
    except ApiError as exc:
        raise session.fail(exc) from exc
    table = Table(title="Funding rules in force")
    for column in ("Code", "Instrument", "Status", "From", "Rate", "Caps (EUR)"):
        table.add_column(column)
    for i in found:
        caps = ", ".join(f"{k} {v:,}" for k, v in i["caps_eur"].items()) or "—"
        status = "verified" if i["status"] == "verified" else "to confirm"
        rate = "—" if i["rate_percent"] is None else f"{i['rate_percent']}%"
        table.add_row(i["code"], escape(i["name"]), status, i["effective_from"], rate, caps)
    session.console.print(table)
