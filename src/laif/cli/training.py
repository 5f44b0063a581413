"""``laif courses`` and ``laif experts``: Upskill & Train and Connect, through the REST API.

- ``laif courses list [--audience A] [--language L] [--format F] [--search TEXT]``: the catalogue;
- ``laif courses show COURSE``: a course and its coming sessions (seats free, people waiting);
- ``laif courses enrol SESSION --org ID [--person USER_ID]``: yourself or a colleague (a seat,
  or the waitlist);
- ``laif courses mine``: your enrolments, places on waitlists and offers with their deadline;
- ``laif courses accept|decline|cancel ENROLMENT``;
- ``laif courses certificates``; ``laif courses verify ID``: a certificate, valid or revoked
  (public, no login needed);
- ``laif experts match "NEED" [--sector S]``: experts ranked for a need, and why;
- ``laif experts introduce EXPERT --org ID --need "NEED" [--sector S] [--message TEXT]``;
- ``laif experts introductions --org ID``.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from laif.cli import session

courses_app = typer.Typer(help="Training: the catalogue, enrolments, the waitlist's offers, "
                          "certificates.", no_args_is_help=True)
experts_app = typer.Typer(help="Connect: experts matched to a need, introductions.",
                          no_args_is_help=True)

Int32 = {"min": 1, "max": 2_147_483_647}
Org = Annotated[int, typer.Option("--org", **Int32, help="Your organisation's id")]


@courses_app.command("list")
def list_courses(audience: str = "", language: str = "", format: str = "",
                 search: Annotated[str, typer.Option("--search")] = "") -> None:
    """The course catalogue."""
    params = {k: v for k, v in (("audience", audience), ("language", language),
                                ("format", format), ("q", search)) if v}
    found: list[dict[str, Any]] = session.call("GET", "/courses", params=params)
    table = Table(title=f"Courses ({len(found)})")
    for column in ("Id", "Title", "Audience", "Level", "Language", "Format", "Hours",
                   "Sessions"):
        table.add_column(column)
    for c in found:
        table.add_row(str(c["id"]), escape(c["title"]), c["audience"], c["level"],
                      c["language"], c["format"], str(c["duration_hours"]),
                      str(c["upcoming_sessions"]))
    session.console.print(table)


@courses_app.command("show")
def show(course: Annotated[int, typer.Argument(**Int32)]) -> None:
    """A course and its coming sessions."""
    c = session.call("GET", f"/courses/{course}")
    session.console.print(f"[bold]{escape(c['title'])}[/bold] ({c['provider_name']}, "
                          f"{c['duration_hours']} h)\n{escape(c['summary'])}")
    table = Table(title="Sessions")
    for column in ("Session", "Starts", "Place", "Seats free", "Waiting"):
        table.add_column(column)
    for t in c["sessions"]:
        table.add_row(str(t["id"]), t["starts_at"], escape(t["place"]),
                      f"{t['seats_free']}/{t['seats']}", str(t["waiting"]))
    session.console.print(table)


@courses_app.command("enrol")
def enrol(session_id: Annotated[int, typer.Argument(**Int32, help="The session's id")],
          org: Org,
          person: Annotated[int | None, typer.Option(**Int32, help="A colleague's user id")]
          = None) -> None:
    """Enrol yourself or a colleague: a seat, or a place on the waitlist."""
    body: dict[str, Any] = {"organisation_id": org}
    if person is not None:
        body["person_id"] = person
    e = session.call("POST", f"/training-sessions/{session_id}/enrolments", json=body)
    where = f", number {e['waitlist_position']}" if e.get("waitlist_position") else ""
    session.console.print(f"Enrolment {e['id']}: {e['status_label']}{where}.")


def _enrolments(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Enrolments")
    for column in ("Id", "Course", "Starts", "Who", "Status", "Offer until"):
        table.add_column(column)
    for e in rows:
        status = e["status_label"] + (f" (#{e['waitlist_position']})"
                                      if e.get("waitlist_position") else "")
        table.add_row(str(e["id"]), escape(e["course"]), e["starts_at"], escape(e["person"]),
                      status, e.get("offer_expires_at") or "-")
    session.console.print(table)


@courses_app.command("mine")
def mine() -> None:
    """Your enrolments and those you made for colleagues."""
    _enrolments(session.call("GET", "/me/enrolments"))


def _act(action: str, enrolment: int) -> None:
    e = session.call("POST", f"/enrolments/{enrolment}/{action}", json={})
    session.console.print(f"Enrolment {e['id']}: {e['status_label']}.")


@courses_app.command("accept")
def accept(enrolment: Annotated[int, typer.Argument(**Int32)]) -> None:
    """Take the seat you are offered, before its deadline."""
    _act("accept", enrolment)


@courses_app.command("decline")
def decline(enrolment: Annotated[int, typer.Argument(**Int32)]) -> None:
    """Decline the seat you are offered."""
    _act("decline", enrolment)


@courses_app.command("cancel")
def cancel(enrolment: Annotated[int, typer.Argument(**Int32)]) -> None:
    """Leave a session or its waitlist."""
    _act("cancel", enrolment)


@courses_app.command("certificates")
def certificates() -> None:
    """Your certificates."""
    table = Table(title="Certificates")
    for column in ("Id", "Course", "Issued", "Valid", "Check at"):
        table.add_column(column)
    for c in session.call("GET", "/me/certificates"):
        table.add_row(c["uid"], escape(c["course"]), c["issued_at"][:10],
                      "yes" if c["valid"] else "REVOKED", c["verification_url"])
    session.console.print(table)


@courses_app.command("verify")
def verify(uid: Annotated[str, typer.Argument(help="LAIF-XXXX-XXXX-XXXX")]) -> None:
    """Whether a certificate is valid (exit 3 when revoked)."""
    c = session.call("GET", f"/certificates/{uid}/verification")
    session.console.print(f"{c['uid']}: {escape(c['holder'])}, {escape(c['course'])} "
                          f"({c['start']} - {c['end']}), "
                          f"{'valid' if c['valid'] else 'REVOKED on ' + str(c['revoked_at'])}")
    if not c["valid"]:
        raise typer.Exit(3)


@experts_app.command("match")
def match(need: Annotated[str, typer.Argument(help="The need, in English, French or German")],
          sector: str = "", limit: Annotated[int, typer.Option(min=1, max=30)] = 10) -> None:
    """Experts ranked for a need, with the competences that matched."""
    body: dict[str, Any] = {"need": need, "limit": limit}
    if sector:
        body["sector"] = sector
    found = session.call("POST", "/connect/matches", json=body)
    table = Table(title="Experts" + (f" (need read as {found[0]['language']})" if found else ""))
    for column in ("#", "Expert", "Key", "Partner", "Why"):
        table.add_column(column)
    for m in found:
        table.add_row(str(m["rank"]), escape(m["expert"]["name"]), m["expert"]["key"],
                      escape(m["expert"]["partner_name"]),
                      escape(", ".join(c["label"] for c in m["matched_competences"])))
    session.console.print(table)


@experts_app.command("introduce")
def introduce(expert: Annotated[str, typer.Argument(help="The expert's key")], org: Org,
              need: Annotated[str, typer.Option(help="The need")], sector: str = "",
              message: str = "") -> None:
    """Ask an expert for an introduction."""
    body: dict[str, Any] = {"expert_key": expert, "need": need, "message": message}
    if sector:
        body["sector"] = sector
    i = session.call("POST", f"/organisations/{org}/introductions", json=body)
    session.console.print(f"Introduction {i['id']} to {escape(i['expert'])}: {i['status']}.")


@experts_app.command("introductions")
def introductions(org: Org) -> None:
    """The organisation's introductions, and how to reach the experts who accepted."""
    table = Table(title="Introductions")
    for column in ("Id", "Expert", "Status", "Contact"):
        table.add_column(column)
    for i in session.call("GET", f"/organisations/{org}/introductions"):
        contact = "; ".join(f"{c['name']} <{c['email']}> {c['phone']}".strip()
                            for c in i["contacts"]) or "-"
        table.add_row(str(i["id"]), escape(i["expert"]), i["status"], escape(contact))
    session.console.print(table)
