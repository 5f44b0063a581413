"""``laif network`` and ``laif referrals``: the EuroHPC AI Factories and the referrals between
them, through the REST API.

- ``laif network factories [--capability KEY]``: the factories (all, or those offering it, best
  first), with whether each fact is verified;
- ``laif network check KEY [KEY ...]``: what the local factory lacks of them, and who offers it;
- ``laif referrals list [--direction outgoing|incoming] [--status S]`` (staff);
- ``laif referrals refer REQUEST --factory KEY --capability KEY [...] [--note TEXT]``;
- ``laif referrals status REFERRAL STATUS [--note TEXT] [--reference REF]``;
- ``laif referrals convert REFERRAL``: an accepted incoming referral made a local request.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from laif.cli import session

network_app = typer.Typer(help="The EuroHPC AI Factories: systems, capabilities, access.",
                          no_args_is_help=True)
referrals_app = typer.Typer(help="Requests referred to other AI Factories and from them "
                            "(staff).", no_args_is_help=True)

Int32 = {"min": 1, "max": 2_147_483_647}


@network_app.command("factories")
def factories(capability: str = "") -> None:
    """The factories of the network (or those offering a capability, best first)."""
    params = {"capability": capability} if capability else {}
    table = Table(title="EuroHPC AI Factories")
    for column in ("Key", "Factory", "Site", "Capabilities", "Verified"):
        table.add_column(column)
    for f in session.call("GET", "/network/factories", params=params):
        table.add_row(f["key"], escape(f["name"]) + (" (this one)" if f["local"] else ""),
                      escape(f["site"]), ", ".join(f["capabilities"]) or "-",
                      "yes" if f["verified"] else "partly")
    session.console.print(table)


@network_app.command("check")
def check(capabilities: Annotated[list[str], typer.Argument(help="Capability keys")]) -> None:
    """What the local factory lacks of these capabilities, and which factories offer it."""
    c = session.call("GET", "/network/capability-check",
                     params=[("capability", key) for key in capabilities])
    session.console.print(f"Offered here: {', '.join(c['local']) or 'none'}; missing: "
                          f"{', '.join(c['missing_locally']) or 'none'}; offered nowhere in "
                          f"the network: {', '.join(c['nowhere']) or 'none'}.")
    for o in c["offering"]:
        session.console.print(f"  {escape(o['name'])} ({o['factory']}): {', '.join(o['offers'])}")


def _referrals(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Referrals")
    for column in ("Id", "Direction", "Factory", "Capabilities", "Status", "Request"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r["id"]), r["direction"], escape(r["factory_name"]),
                      ", ".join(c["key"] for c in r["capabilities"]), r["status_label"],
                      str(r["intake_id"] or "-"))
    session.console.print(table)


@referrals_app.command("list")
def list_referrals(direction: str = "", status: str = "") -> None:
    """Referrals, newest first."""
    params = {k: v for k, v in (("direction", direction), ("status", status)) if v}
    _referrals(session.call("GET", "/referrals", params=params))


@referrals_app.command("refer")
def refer(request: Annotated[int, typer.Argument(**Int32, help="The request's number")],
          factory: Annotated[str, typer.Option(help="The factory's key")],
          capability: Annotated[list[str], typer.Option(help="A capability it needs")],
          note: str = "") -> None:
    """Refer a request to another factory for capabilities the local one lacks."""
    r = session.call("POST", f"/intakes/{request}/referrals",
                     json={"factory": factory, "capabilities": capability, "note": note})
    session.console.print(f"Referral {r['id']} to {escape(r['factory_name'])}: "
                          f"{r['status_label']}.")


@referrals_app.command("status")
def status(referral: Annotated[int, typer.Argument(**Int32)],
           new_status: Annotated[str, typer.Argument(help="sent, accepted, declined, ...")],
           note: str = "", reference: str = "") -> None:
    """Move a referral along its life cycle."""
    body: dict[str, Any] = {"status": new_status, "note": note}
    if reference:
        body["reference"] = reference
    r = session.call("POST", f"/referrals/{referral}/status", json=body)
    session.console.print(f"Referral {r['id']}: {r['status_label']}; next: "
                          f"{', '.join(r['next_statuses']) or 'none'}.")


@referrals_app.command("convert")
def convert(referral: Annotated[int, typer.Argument(**Int32)]) -> None:
    """Make an accepted incoming referral a request at the single point of entry."""
    r = session.call("POST", f"/referrals/{referral}/conversion", json={})
    session.console.print(f"Referral {r['id']}: {r['status_label']}; request {r['intake_id']}.")
