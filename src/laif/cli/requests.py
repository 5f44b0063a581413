"""``laif requests``: requests to the factory's single point of entry (through the REST API).

- ``laif requests list``: your requests; ``--inbox`` the staff inbox (``--mine``, ``--overdue``);
- ``laif requests show ID``: one request, where it was routed and why, its history;
- ``laif requests assign ID --owner USER_ID``, ``laif requests status ID STATUS``,
  ``laif requests comment ID TEXT [--public]``: the inbox's staff.

A need is described on the page ``/start/`` (anyone) or with ``POST /api/entry/requests``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from laif.cli import session

requests_app = typer.Typer(help="Requests to the factory: your requests and the staff inbox.",
                           no_args_is_help=True)

IntakeId = Annotated[int, typer.Argument(min=1, max=2_147_483_647)]
STATUSES = ("new", "triaged", "in_progress", "closed")


def _table(found: list[dict[str, Any]], title: str) -> None:
    table = Table(title=title)
    for column in ("Id", "Sent", "From", "Goal", "Routed to", "Status", "Owner", "Answer by"):
        table.add_column(column)
    for r in found:
        due = (r["respond_by"] or "—")[:16].replace("T", " ")
        if r["overdue"]:
            due += " [red](overdue)[/red]"
        table.add_row(str(r["id"]), r["created_at"][:10], escape(r["organisation"]
                                                                 or r["contact_name"]),
                      r["goal"], ", ".join(m["service"] for m in r["matches"]), r["status"],
                      escape(r["owner"] or "—"), due)
    session.console.print(table)


def _show(r: dict[str, Any]) -> None:
    session.console.print(f"[bold]Request {r['id']}[/bold] · {r['status']} · "
                          f"{escape(r['organisation'] or r['contact_name'])} <{escape(r['email'])}>")
    session.console.print(escape(r["description"]))
    session.console.print(f"Goal {r['goal']}, sector {r['sector']}, data {', '.join(r['data'])}, "
                          f"budget {r['budget']}, start {r['timeline']}")
    session.console.print(f"Routed (rules version {r['rules_version']}):")
    for m in r["matches"]:
        session.console.print(f"  - {m['service']} ({m['pillar']}), rule {m['rule']}: "
                              f"{escape(m['because'])}")
    if r["outcome"]:
        session.console.print(f"Outcome: {r['outcome']} ({r['referral_service']})")
    for e in r["events"]:
        who = f" {escape(e['actor'])}" if e["actor"] else ""
        text = f": {escape(e['text'])}" if e["text"] else ""
        internal = " (internal)" if not e["public"] else ""
        session.console.print(f"  {e['at'][:16].replace('T', ' ')} {e['kind']}{who}{internal}{text}")


@requests_app.command("list")
def requests_list(
    inbox: Annotated[bool, typer.Option("--inbox", help="The staff inbox")] = False,
    mine: Annotated[bool, typer.Option("--mine", help="Inbox: assigned to me")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Inbox: overdue only")] = False,
) -> None:
    """Your requests, or the staff inbox (open requests, oldest target first)."""
    if inbox:
        params = {"mine": str(mine).lower(), "overdue": str(overdue).lower()}
        _table(session.call("GET", "/entry/inbox", params=params), "Inbox")
    else:
        _table(session.call("GET", "/entry/requests"), "Your requests to the factory")


@requests_app.command("show")
def requests_show(intake_id: IntakeId) -> None:
    """One request: the need, where it was routed and why, its history."""
    _show(session.call("GET", f"/entry/requests/{intake_id}"))


@requests_app.command("assign")
def requests_assign(intake_id: IntakeId, owner: Annotated[
        int | None, typer.Option(min=1, max=2_147_483_647, help="The owner's user id; "
                                 "none to unassign")] = None) -> None:
    """Give a request an owner (the inbox's staff)."""
    _show(session.call("POST", f"/entry/requests/{intake_id}/assign", json={"owner_id": owner}))


@requests_app.command("status")
def requests_status(intake_id: IntakeId, status: Annotated[
        str, typer.Argument(help="new, triaged, in_progress or closed")]) -> None:
    """Move a request to another status (the requester is told)."""
    if status not in STATUSES:
        session.err.print(f"[red]Error[/red]: the status is one of {', '.join(STATUSES)}.")
        raise typer.Exit(2)
    _show(session.call("POST", f"/entry/requests/{intake_id}/status", json={"status": status}))


@requests_app.command("comment")
def requests_comment(intake_id: IntakeId, text: str, public: Annotated[
        bool, typer.Option("--public", help="Send it to the requester")] = False) -> None:
    """Comment on a request: an internal note, or to the requester with --public."""
    _show(session.call("POST", f"/entry/requests/{intake_id}/comments",
                json={"text": text, "public": public}))
