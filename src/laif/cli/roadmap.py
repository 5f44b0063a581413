"""``laif roadmap``: an organisation's AI roadmap through the REST API.

- ``laif roadmap show [--org ID]``: the use cases (objective, KPI, expected return, horizon,
  prerequisites, services, funding, GPU-hours) and what the latest maturity check asks first;
- ``laif roadmap pdf [--org ID] -o FILE``: the roadmap as a PDF.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from laif.cli import session
from laif.cli.client import ApiError
from laif.cli.statements import OrgOption, org_id_of

roadmap_app = typer.Typer(help="AI roadmap: the use cases and their PDF.", no_args_is_help=True)


@roadmap_app.command("show")
def roadmap_show(org: OrgOption = None) -> None:
    """The roadmap's use cases and what the latest maturity check asks first."""
    client = session.client()
    try:
        plan = client.get(f"/organisations/{org_id_of(client, org)}/roadmap")
    except ApiError as exc:
        raise session.fail(exc) from exc
    if not plan["exists"]:
        session.console.print("No roadmap yet: draft it on the roadmap page or with "
                              "POST /api/organisations/{id}/roadmap.")
        return
    if plan["prerequisites_from_check"]:
        session.console.print("[bold]What the maturity check asks first[/bold]")
        for text in plan["prerequisites_from_check"]:
            session.console.print(f"  - {escape(text)}")
    for u in plan["use_cases"]:
        roi = f"{u['roi_percent']}% return expected in " if u["roi_percent"] is not None else ""
        session.console.print(f"\n[bold]{u['position']}. {escape(u['title'])}[/bold] · "
                              f"{roi}{u['horizon_months']} months")
        session.console.print(f"  Objective: {escape(u['objective'])}")
        session.console.print(f"  KPI: {escape(u['kpi'])}")
        if u["services"]:
            session.console.print(f"  Services: {', '.join(u['services'])}")
        if u["funding"]:
            session.console.print(f"  Funding: {', '.join(u['funding'])}")
        if u["gpu_hours"]:
            session.console.print(f"  GPU-hours: {u['gpu_hours']}")


@roadmap_app.command("pdf")
def roadmap_pdf(output: Annotated[Path, typer.Option("-o", "--output", help="The PDF file")],
                org: OrgOption = None) -> None:
    """Save the roadmap as a PDF."""
    client = session.client()
    try:
        content = client.get_bytes(f"/organisations/{org_id_of(client, org)}/roadmap/pdf")
    except ApiError as exc:
        raise session.fail(exc) from exc
    output.write_bytes(content)
    session.console.print(f"Saved {output} ({len(content)} bytes).")
