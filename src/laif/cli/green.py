"""``laif green``: energy and carbon of an organisation's or a project's year (through the REST
API).

- ``laif green report [--org ID | --project ID] [--year YYYY] [--compare YYYY]``: per month, the
  energy measured by Slurm and estimated, the facility energy and both Scope 2 carbon figures,
  with the factors and whether each is verified; ``--compare`` adds another year's table;
- ``--pdf FILE [--language en|fr]`` / ``--csv FILE`` write the organisation's report.

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
from laif.cli.statements import OrgOption, org_id_of

green_app = typer.Typer(help="Energy and carbon (ESRS E1 Scope 2, both methods).",
                        no_args_is_help=True)

YearOption = Annotated[int | None, typer.Option("--year", min=2020, max=2100,
                                                help="Calendar year (default: this one)")]


def _query(year: int | None, **more: str) -> str:
    params = ({"year": str(year)} if year else {}) | more
    return ("?" + "&".join(f"{k}={v}" for k, v in params.items())) if params else ""


def _get(client: Client, org: int | None, project: int | None, year: int | None) -> Any:
    if project is not None:
        return client.get(f"/projects/{project}/footprint{_query(year)}")
    return client.get(f"/organisations/{org_id_of(client, org)}/footprint{_query(year)}")


def _kg(value: str | None) -> str:
    return "—" if value is None else f"{value} kg"


def _table(report: dict[str, Any]) -> Table:
    table = Table(title=f"Energy and carbon in {report['year']}")
    for column in ("Month", "Measured kWh", "Estimated kWh", "Facility kWh", "Location-based",
                   "Market-based"):
        table.add_column(column, justify="left" if column == "Month" else "right",
                         no_wrap=column == "Month")
    for m in [*report["by_month"], report["total"] | {"month": "Year"}]:
        table.add_row(str(m["month"])[:7], m["energy_measured_kwh"], m["energy_estimated_kwh"],
                      m["energy_facility_kwh"], _kg(m["location_based_kg_co2e"]),
                      _kg(m["market_based_kg_co2e"]))
    return table


@green_app.command("report")
def green_report(
    org: OrgOption = None,
    project: Annotated[int | None, typer.Option("--project", min=1, max=2_147_483_647,
                                                help="A project's year instead")] = None,
    year: YearOption = None,
    compare: Annotated[int | None, typer.Option("--compare", min=2020, max=2100,
                                                help="Another year, side by side")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", dir_okay=False,
                                             help="Write the organisation's PDF report")] = None,
    csv: Annotated[Path | None, typer.Option("--csv", dir_okay=False,
                                             help="Write the organisation's CSV")] = None,
    language: Annotated[str, typer.Option("--language", help="PDF language: en or fr")] = "en",
) -> None:
    """A year's energy and carbon per month, with the method's factors."""

    if language not in ("en", "fr"):
        raise typer.BadParameter("en or fr", param_hint="--language")
    if project is not None and (pdf or csv):
        raise typer.BadParameter("the PDF and CSV are an organisation's", param_hint="--project")
    client = session.client()
    try:
        report = _get(client, org, project, year)
        other = _get(client, org, project, compare) if compare else None
        if pdf or csv:
            org_id = report["organisation_id"]
            if pdf:
                content = client.get_bytes(f"/organisations/{org_id}/footprint/pdf"
                                           f"{_query(report['year'], language=language)}")
                pdf.write_bytes(content)
                session.console.print(f"Wrote {escape(str(pdf))} ({len(content):,} bytes)")
            if csv:
                content = client.get_bytes(f"/organisations/{org_id}/footprint/csv"
                                           f"{_query(report['year'])}")
                csv.write_bytes(content)
                session.console.print(f"Wrote {escape(str(csv))} ({len(content):,} bytes)")
    except ApiError as exc:
        raise session.fail(exc) from exc
    session.console.print(_table(report))
    if other:
        session.console.print(_table(other))
    f = report["factors"]
    session.console.print(
        f"PUE {f['pue']}{'' if f['pue_configured'] else ' (assumed)'}; location-based "
        f"{f['location_based_g_per_kwh'] or '—'} gCO2e/kWh ({f['location_based_year'] or '—'}"
        f"{'' if f['location_based_verified'] else ', not verified'}); market-based "
        f"{f['market_based_g_per_kwh']} gCO2e/kWh"
        f"{' (announced, not evidenced)' if f['market_based_announced_only'] else ''}.")
    session.console.print("Energy is measured by Slurm where reported, estimated elsewhere; "
                          "the two carbon methods are never added.")
