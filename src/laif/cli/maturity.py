"""``laif maturity show [--org ID]``: the organisation's latest AI maturity check (each
dimension's score, the answers that hold it back, the level and the progress), through the REST
API. The check itself is taken on the page ``/organisations/<id>/maturity/take/`` or with
``POST /api/organisations/{id}/assessments``."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from laif.cli import session
from laif.cli.client import ApiError
from laif.cli.statements import OrgOption, org_id_of

maturity_app = typer.Typer(help="AI maturity check: the latest result and the progress.",
                           no_args_is_help=True)


@maturity_app.command("show")
def maturity_show(org: OrgOption = None) -> None:
    """The latest check: level, each dimension's score and sector aggregate, what drove it."""
    client = session.client()
    try:
        org_id = org_id_of(client, org)
        checks: list[dict[str, Any]] = client.get(f"/organisations/{org_id}/assessments")
        bench = client.get(f"/organisations/{org_id}/benchmark")
        questionnaire = client.get("/assess/questionnaire")
    except ApiError as exc:
        raise session.fail(exc) from exc
    if not checks:
        session.console.print("No check yet.")
        return
    latest = checks[-1]
    titles = {d["key"]: d["title"] for d in questionnaire["dimensions"]}
    questions = {q["key"]: q for d in questionnaire["dimensions"] for q in d["questions"]}
    level = next(lv for lv in questionnaire["levels"] if lv["level"] == latest["level"])
    session.console.print(f"[bold]Level {latest['level']} of 5: {level['title']}[/bold] · "
                          f"overall {latest['overall']}/100 · {latest['taken_at'][:10]}")
    table = Table(title="Dimensions")
    for column in ("Dimension", "Score", "Sector", "Weakest answer"):
        table.add_column(column)
    for score in latest["scores"]:
        sector = bench["values"].get(score["dimension"]) if bench["shown"] else None
        weakest = score["drivers"][0] if score["drivers"] else None
        text = "—"
        if weakest:
            question = questions.get(weakest["question"], {"text": weakest["question"]})
            text = f"{question['text']} ({weakest['points']}/{weakest['max_points']})"
        table.add_row(titles.get(score["dimension"], score["dimension"]), str(score["score"]),
                      "—" if sector is None else str(sector), escape(text))
    session.console.print(table)
    if len(checks) > 1:
        session.console.print("Progress: " + " -> ".join(str(c["overall"]) for c in checks))
