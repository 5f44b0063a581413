"""``laif govern``: the organisation's AI systems under the EU AI Act, through the REST API.

- ``laif govern systems [--org ID]``: the register, each system's latest category;
- ``laif govern show SYSTEM``: the category, the articles it follows from, the obligations with
  their status and evidence;
- ``laif govern classify SYSTEM --answers FILE``: classify from a JSON file of answers (the keys
  of ``GET /api/govern/ai-act``; ``-`` reads standard input);
- ``laif govern obligation SYSTEM KEY --status met --evidence TEXT``;
- ``laif govern monitor SYSTEM --name NAME --file reference.parquet [--columns a,b]``: a drift
  monitor, the reference profiled once;
- ``laif govern drift MONITOR --file batch.parquet``: test a current batch; exits 3 when the
  batch drifted (a job or a pipeline can stop on it);
- ``laif govern labels MONITOR BATCH --file labels.csv``: the batch's accuracy (and AUC) once
  its labels are known;
- ``laif govern annex-iv SYSTEM [--pdf FILE] [--language fr]``: the technical documentation.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from laif.cli import session
from laif.cli.client import ApiError
from laif.cli.statements import OrgOption, org_id_of
from laif.cli.uploads import post_file

govern_app = typer.Typer(help="AI systems under the EU AI Act: category, reasons, obligations.",
                         no_args_is_help=True)

SystemArg = Annotated[int, typer.Argument(min=1, max=2_147_483_647, help="AI system id")]
CATEGORIES = {"prohibited": "Prohibited", "high_risk": "High-risk",
              "limited_risk": "Limited risk", "minimal_risk": "Minimal risk",
              "": "Not classified"}


@govern_app.command("systems")
def systems(org: OrgOption = None) -> None:
    """The organisation's AI systems and their latest category."""
    client = session.client()
    try:
        found: list[dict[str, Any]] = client.get(
            f"/organisations/{org_id_of(client, org)}/ai-systems")
    except ApiError as exc:
        raise session.fail(exc) from exc
    if not found:
        session.console.print("No AI system registered yet.")
        return
    table = Table(title="AI systems")
    for column in ("Id", "Name", "Category", "Registered"):
        table.add_column(column)
    for s in found:
        table.add_row(str(s["id"]), escape(s["name"]), CATEGORIES[s["category"]],
                      s["created_at"][:10])
    session.console.print(table)


def _print(detail: dict[str, Any]) -> None:
    session.console.print(f"[bold]{escape(detail['name'])}[/bold]: "
                          f"{CATEGORIES[detail['category']]}")
    if detail["classifications"]:
        for c in detail["classifications"][-1]["conclusions"]:
            session.console.print(f"- {escape(c['article'])}: {escape(c['text'])}")
    if detail["obligations"]:
        session.console.print("[bold]Obligations[/bold] (article, key, as, status, evidence)")
    for o in detail["obligations"]:
        status = o["status"] if o["required"] else f"{o['status']}, no longer required"
        session.console.print(f"- {escape(o['article'])} · {o['key']} · {o['who']} · {status}"
                              f" · {escape(o['evidence']) or '—'}")


@govern_app.command("show")
def show(system: SystemArg) -> None:
    """A system's category, the articles behind it and its obligations."""
    client = session.client()
    try:
        _print(client.get(f"/ai-systems/{system}"))
    except ApiError as exc:
        raise session.fail(exc) from exc


@govern_app.command("classify")
def classify(system: SystemArg, answers: Annotated[
        Path, typer.Option("--answers", help="JSON file of answers ('-': standard input)")]
             ) -> None:
    """Classify a system from the questionnaire's answers."""
    text = sys.stdin.read() if str(answers) == "-" else answers.read_text(encoding="utf-8")
    try:
        body = json.loads(text)
    except ValueError as exc:
        session.console.print(f"[red]The answers are not JSON: {escape(str(exc))}[/red]")
        raise typer.Exit(2) from exc
    client = session.client()
    try:
        _print(client.post(f"/ai-systems/{system}/classifications", json=body))
    except ApiError as exc:
        raise session.fail(exc) from exc


@govern_app.command("obligation")
def obligation(system: SystemArg, key: Annotated[str, typer.Argument(help="Obligation key")],
               status: Annotated[str, typer.Option(
                   "--status", help="open, in_progress, met or not_applicable")],
               evidence: Annotated[str, typer.Option("--evidence")] = "") -> None:
    """Set an obligation's status and evidence."""
    client = session.client()
    try:
        done = client.request("PUT", f"/ai-systems/{system}/obligations/{key}",
                              json={"status": status, "evidence": evidence})
    except ApiError as exc:
        raise session.fail(exc) from exc
    session.console.print(f"{done['article']} ({done['key']}): {done['status']}")


FileOption = Annotated[Path, typer.Option("--file", exists=True, dir_okay=False, readable=True,
                                          help="A CSV or Parquet file")]


@govern_app.command("monitor")
def monitor(system: SystemArg, name: Annotated[str, typer.Option("--name")], file: FileOption,
            columns: Annotated[str, typer.Option(
                "--columns", help="Columns to monitor, separated by commas (default: all)")]
            = "") -> None:
    """Create a drift monitor from reference data (profiled once)."""
    client = session.client()
    try:
        done = post_file(client, f"/ai-systems/{system}/monitors", file,
                         data={"name": name, "columns": columns})
    except ApiError as exc:
        raise session.fail(exc) from exc
    session.console.print(f"Monitor {done['id']}: {escape(done['name'])}, "
                          f"{done['reference_rows']} reference rows, "
                          f"{len(done['columns'])} columns")


@govern_app.command("drift")
def drift(monitor: Annotated[int, typer.Argument(min=1, max=2_147_483_647,
                                                 help="Drift monitor id")],
          file: FileOption) -> None:
    """Test a current batch against the monitor's reference; exit status 3 when it drifted."""
    client = session.client()
    try:
        done = post_file(client, f"/monitors/{monitor}/batches", file)
    except ApiError as exc:
        raise session.fail(exc) from exc
    table = Table(title=f"Batch {done['id']}: {done['columns_drifted']} of "
                        f"{done['columns_total']} columns drifted")
    for column in ("Column", "Kind", "Test", "Statistic", "Threshold", "Drift"):
        table.add_column(column, overflow="fold")
    for c in done["columns"]:
        statistic = "inf" if c["statistic"] is None else f"{c['statistic']:.4g}"
        table.add_row(escape(c["column"]), c["kind"], c["method_label"], statistic,
                      f"{c['threshold']:g}", "yes" if c["drifted"] else "no")
    session.console.print(table)
    session.console.print("[red]Data drift[/red]" if done["drifted"] else "No data drift")
    if done["drifted"]:
        raise typer.Exit(3)


@govern_app.command("annex-iv")
def annex_iv(system: SystemArg,
             pdf: Annotated[Path | None, typer.Option("--pdf", dir_okay=False,
                                                      help="Write the PDF to this file")] = None,
             language: Annotated[str, typer.Option(
                 "--language", help="en or fr")] = "en") -> None:
    """The technical documentation (Annex IV): each point's gaps; the PDF with --pdf."""
    client = session.client()
    try:
        found = client.get(f"/ai-systems/{system}/annex-iv?language={language}")
        content = (client.get_bytes(f"/ai-systems/{system}/annex-iv/pdf?language={language}")
                   if pdf is not None else b"")
    except ApiError as exc:
        raise session.fail(exc) from exc
    for section in found["sections"]:
        mark = f"{len(section['gaps'])} missing" if section["gaps"] else "held"
        session.console.print(f"[bold]{escape(section['point'])}[/bold] · "
                              f"{escape(section['title'])}: {mark}")
        for gap in section["gaps"]:
            session.console.print(f"  - {escape(gap)}")
    session.console.print(f"{found['gaps']} items missing")
    if pdf is not None:
        pdf.write_bytes(content)
        session.console.print(f"Written: {escape(str(pdf))}")


@govern_app.command("labels")
def labels(monitor: Annotated[int, typer.Argument(min=1, max=2_147_483_647,
                                                  help="Drift monitor id")],
           batch: Annotated[int, typer.Argument(min=1, max=2_147_483_647, help="Batch id")],
           file: FileOption,
           prediction: Annotated[str, typer.Option("--prediction")] = "prediction",
           label: Annotated[str, typer.Option("--label")] = "label") -> None:
    """Score a batch once its labels are known: accuracy, and AUC for scores."""
    client = session.client()
    try:
        done = post_file(client, f"/monitors/{monitor}/batches/{batch}/labels", file,
                         data={"prediction": prediction, "label": label})
    except ApiError as exc:
        raise session.fail(exc) from exc
    p = done["performance"]
    auc = "—" if p["auc"] is None else f"{p['auc']:.3f}"
    session.console.print(f"Batch {done['id']}: accuracy {p['accuracy']:.3f}, AUC {auc}, "
                          f"{p['rows']} labelled rows")
