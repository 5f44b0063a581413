"""``laif kpis``: the factory's figures of a year, per month, for its funders (through the REST
API; operators, reviewers and auditors).

``laif kpis [--year YYYY] [--pdf FILE [--language en|fr]] [--csv FILE]``
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from laif.cli import session
from laif.cli.client import ApiError


def kpis(
    year: Annotated[int | None, typer.Option("--year", min=2020, max=2100,
                                             help="Calendar year (default: this one)")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", dir_okay=False,
                                             help="Write the PDF report")] = None,
    csv: Annotated[Path | None, typer.Option("--csv", dir_okay=False,
                                             help="Write the CSV")] = None,
    language: Annotated[str, typer.Option("--language", help="PDF language: en or fr")] = "en",
) -> None:
    """The factory's figures of a year: GPU-hours by pool, utilisation, requests, organisations
    served, aid, energy and carbon."""

    if language not in ("en", "fr"):
        raise typer.BadParameter("en or fr", param_hint="--language")
    query = f"?year={year}" if year else ""
    client = session.client()
    try:
        k = client.get(f"/staff/kpis{query}")
        query = f"?year={k['year']}"
        for target, kind in ((pdf, "pdf"), (csv, "csv")):
            if target is not None:
                extra = f"&language={language}" if kind == "pdf" else ""
                content = client.get_bytes(f"/staff/kpis/{kind}{query}{extra}")
                target.write_bytes(content)
                session.console.print(f"Wrote {escape(str(target))} ({len(content):,} bytes)")
    except ApiError as exc:
        raise session.fail(exc) from exc
    table = Table(title=f"The factory's figures in {k['year']}")
    for column in ("Month", "GPU-hours", "National %", "Use %", "Orgs", "Decided", "Wait d",
                   "Facility kWh"):
        table.add_column(column, justify="left" if column == "Month" else "right",
                         no_wrap=column == "Month")
    for p in [*k["months"], k["total"]]:
        table.add_row(str(p["month"] or "Year")[:7], p["gpu_hours_total"],
                      p["national_share_percent"] or "—", p["utilisation_percent"] or "—",
                      str(p["organisations_served"]), str(p["requests_decided"]),
                      p["mean_wait_days"] or "—", p["energy_facility_kwh"])
    session.console.print(table)
    t = k["total"]
    session.console.print(
        f"National share target {k['national_share_target_percent']}%; requests waiting "
        f"{k['requests_pending']} (oldest {k['pending_oldest_age_days'] or '—'} days); "
        f"organisations served {k['organisations_served']}; cashback paid EUR "
        f"{t['cashback_paid_eur']}; aid granted EUR {t['aid_granted_eur']}; carbon "
        f"{t['location_based_kg_co2e'] or '—'} kg (location-based), "
        f"{t['market_based_kg_co2e']} kg (market-based); courses: "
        f"{k['courses_delivered']}"
        f" (target {k['courses_target'][0]}-{k['courses_target'][1]}).")
