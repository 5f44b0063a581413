"""``laif usage``: the usage ledger from the command line (through the REST API).

- ``laif usage ingest --sacct-json FILE`` (operators) sends ``sacct --json -X -D`` output to the
  platform, a large file in pieces cut between two jobs (each piece a document of its own with the
  file's envelope), with a progress bar; records already in the ledger are skipped, so a piece
  or a whole file can be sent again;
- ``laif usage show --project CODE [--from YYYY-MM] [--to YYYY-MM]``: a project's GPU-hours,
  CPU-hours and energy per month and per member, and its allocations' balances.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from laif.cli import session
from laif.cli.client import ApiError

usage_app = typer.Typer(help="Usage of the cluster: the ledger of finished jobs.",
                        no_args_is_help=True)

PIECE_BYTES = 64 * 2**20
_JOBS_OPEN = b'\n  "jobs": ['
_JOB_SEP = b"\n    },\n    {"
_MONTH = re.compile(r"^[1-9]\d{3}-(0[1-9]|1[0-2])$")


def pieces(data: bytes, size: int = PIECE_BYTES) -> Iterator[bytes]:
    """The document in pieces of about ``size`` bytes, cut between two jobs where it is in
    sacct's own layout (json-c, two-space indent); otherwise the whole document."""
    open_at = data.find(_JOBS_OPEN)
    if len(data) <= size or open_at < 0 or not data.rstrip().endswith(b"]\n}"):
        yield data
        return
    head = data[:open_at + len(_JOBS_OPEN)]
    start = open_at + len(_JOBS_OPEN)
    end = data.rstrip().rindex(b"]")
    while start < end:
        cut = data.find(_JOB_SEP, start + size)
        stop = end if cut < 0 or cut >= end else cut + 6  # just after a job's closing brace
        yield head + data[start:stop].lstrip(b",") + b"\n  ]\n}\n"
        start = stop + 1 if stop < end else end


def _usage_cells(u: dict[str, Any]) -> list[str]:
    energy = u["energy_j"]
    text = "not reported" if energy is None else f"{energy / 3_600_000:,.3f} kWh"
    if energy is not None and u["energy_unreported"]:
        text += f" ({u['energy_unreported']} not reported)"
    return [u["gpu_hours"], u["cpu_hours"], text]


@usage_app.command("ingest")
def usage_ingest(
    sacct_json: Annotated[Path, typer.Option("--sacct-json", exists=True, dir_okay=False,
                                             help="sacct --json -X -D output to replay")],
) -> None:
    """Send sacct --json output to the usage ledger (operators); safe to send twice."""

    client = session.client()
    data = sacct_json.read_bytes()
    read = new = 0
    with Progress(console=session.err, transient=True) as progress:
        bar = progress.add_task("ingesting", total=len(data))
        for piece in pieces(data):
            try:
                result = client.post("/compute/usage/ingest",
                                     files={"sacct_json": ("sacct.json", piece,
                                                           "application/json")})
            except ApiError as exc:
                raise session.fail(exc) from exc
            read += result["records_read"]
            new += result["records_new"]
            progress.advance(bar, len(piece))
    session.console.print(f"{read:,} finished job runs read, {new:,} new in the ledger.")


@usage_app.command("show")
def usage_show(
    project: Annotated[str, typer.Option(help="Project code")],
    month_from: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM")] = None,
    month_to: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM")] = None,
) -> None:
    """A project's usage: GPU-hours, CPU-hours and energy per month and per member."""

    for value in (month_from, month_to):
        if value is not None and not _MONTH.match(value):
            session.err.print(f"[red]Not a month (YYYY-MM):[/red] {escape(value)}")
            raise typer.Exit(2)
    client = session.client()
    try:
        found = [p for p in client.get("/projects") if p["code"].lower() == project.lower()]
        if not found:
            session.err.print(f"[red]No project {escape(project)} among yours.[/red]")
            raise typer.Exit(1)
        params = {k: v for k, v in (("month_from", month_from), ("month_to", month_to)) if v}
        usage = client.get(f"/projects/{found[0]['id']}/usage", params=params)
    except ApiError as exc:
        raise session.fail(exc) from exc
    table = Table(title=f"Usage of {escape(usage['project_code'])}")
    for column in ("Month", "GPU-hours", "CPU-hours", "Energy"):
        table.add_column(column)
    for row in usage["by_month"]:
        table.add_row(row["month"][:7], *_usage_cells(row))
    table.add_row("total", *_usage_cells(usage["total"]))
    session.console.print(table)
    members = Table(title="Per member")
    for column in ("Member", "GPU-hours", "CPU-hours", "Energy"):
        members.add_column(column)
    for row in usage["by_member"]:
        members.add_row(escape(row["email"] or "unknown cluster user"), *_usage_cells(row))
    session.console.print(members)
    for b in usage["balances"]:
        session.console.print(f"allocation {b['allocation_id']} ({b['pool']}, {b['start']} to "
                          f"{b['end']}): {b['granted_gpu_hours']} GPU-hours granted, "
                          f"{b['used_gpu_hours']} used, {b['reserved_gpu_hours']} reserved by "
                          f"unfinished jobs, {b['left_gpu_hours']} left "
                          f"({b['left_gpu_minutes']} GPU-minutes)")
