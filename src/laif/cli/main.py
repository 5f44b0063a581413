"""``laif``: the command line of the Luxembourg AI Factory platform.

Commands that act on the platform talk to its REST API with a personal token (``laif login``);
``serve`` and ``demo`` act on the local installation.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from laif.cli import session
from laif.cli.client import DEFAULT_URL, ApiError, Client, Credentials, HeadStore
from laif.cli.funding import funding_app
from laif.cli.govern import govern_app
from laif.cli.green import green_app
from laif.cli.kpis import kpis
from laif.cli.maturity import maturity_app
from laif.cli.models import models_app
from laif.cli.network import network_app, referrals_app
from laif.cli.requests import requests_app
from laif.cli.roadmap import roadmap_app
from laif.cli.sandbox import sandbox_app
from laif.cli.sme import sme_app
from laif.cli.statements import cashback_app, statements_app
from laif.cli.training import courses_app, experts_app
from laif.cli.usage import usage_app

app = typer.Typer(help="laif: the Luxembourg AI Factory platform.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
identities_app = typer.Typer(help="Cluster identities (POSIX users and SSH keys).",
                             no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(identities_app, name="identities")
jobs_app = typer.Typer(help="Batch jobs on the cluster (submit, list, show, logs, cancel).",
                       no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
app.add_typer(courses_app, name="courses")
app.add_typer(experts_app, name="experts")
app.add_typer(network_app, name="network")
app.add_typer(referrals_app, name="referrals")
app.add_typer(usage_app, name="usage")
app.add_typer(statements_app, name="statements")
app.add_typer(cashback_app, name="cashback")
app.add_typer(sme_app, name="sme")
app.add_typer(requests_app, name="requests")
app.add_typer(maturity_app, name="maturity")
app.add_typer(roadmap_app, name="roadmap")
app.add_typer(funding_app, name="funding")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(green_app, name="green")
app.add_typer(govern_app, name="govern")
app.add_typer(models_app, name="models")
app.command("kpis")(kpis)
console = session.console
err = session.err


@app.command()
def login(
    email: Annotated[str, typer.Option(prompt=True, help="Your e-mail address")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    url: Annotated[str, typer.Option(envvar="LAIF_URL", help="Platform address")] = DEFAULT_URL,
    days: Annotated[int, typer.Option(min=1, max=730, help="Token lifetime in days")] = 30,
) -> None:
    """Log in and keep a personal API token (only its hash is stored on the server)."""
    client = Client(url, transport=session.TRANSPORT)
    try:
        token = client.post("/auth/token", json={
            "email": email, "password": password, "name": f"cli@{os.uname().nodename}"[:100],
            "expires_days": days,
        })
    except ApiError as exc:
        raise session.fail(exc) from exc
    path = Credentials(url, token["token"]).save()
    console.print(f"Logged in as [bold]{email}[/bold]; token {token['prefix']}... valid until "
                  f"{token['expires_at'][:10]}, saved in {path}")


@app.command()
def whoami() -> None:
    """Show who you are logged in as, your organisations, projects and cluster identity."""
    try:
        me = session.client().get("/me")
    except ApiError as exc:
        raise session.fail(exc) from exc
    console.print(f"[bold]{me['user']['email']}[/bold]")
    for org in me["organisations"]:
        console.print(f"  organisation: {escape(org['name'])} ({org['role']})")
    for project in me["projects"]:
        console.print(f"  project: {escape(project['name'])} \\[{escape(project['code'])}] "
                      f"({project['role']})")
    if me["staff_roles"]:
        console.print(f"  staff roles: {', '.join(me['staff_roles'])}")
    if me["identity"]:
        console.print(f"  cluster identity: {me['identity']['username']} "
                      f"(uid {me['identity']['uid']})")


@audit_app.command("verify")
def audit_verify() -> None:
    """Verify the audit log's hash chain, its sealed head and its anchors; exit 1 on any break.

    The server checks the heads it anchored outside its database; the head of each successful
    verification is also remembered on this machine and checked the next time."""
    client = session.client()
    heads = HeadStore.load()
    known = heads.get(client.url)
    params = {"known_seq": known[0], "known_hash": known[1]} if known else {}
    try:
        with console.status("Verifying the audit chain..."):
            result = client.get("/audit/verify", params=params)
    except ApiError as exc:
        raise session.fail(exc) from exc
    if result["ok"]:
        if result["head_seq"]:
            heads.put(client.url, result["head_seq"], result["head_hash"])
        since = f"; still holds entry #{known[0]} verified earlier" if known else ""
        count = int(result.get("anchors", 0))
        anchors = (f"; {count} anchor{'s' if count != 1 else ''} outside the database "
                   f"agree{'s' if count == 1 else ''}" if count else "")
        console.print(f"[green]OK[/green]: {result['entries']} entries, chain intact, "
                      f"head matches the sealed checkpoint{anchors}{since}.")
        return
    err.print(f"[red]TAMPERED[/red]: {len(result['problems'])} problem(s) in "
              f"{result['entries']} entries:")
    for problem in result["problems"]:
        err.print(f"  - {problem}")
    raise typer.Exit(1)


@identities_app.command("export")
def identities_export(
    fmt: Annotated[str, typer.Option("--format", help="json, csv or passwd")] = "json",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File (default stdout)")] = None,
) -> None:
    """Export every cluster identity and its SSH keys for the site's provisioning."""
    if fmt not in ("json", "csv", "passwd"):
        err.print("[red]--format must be json, csv or passwd[/red]")
        raise typer.Exit(2)
    try:
        records = session.client().get("/identities/export")
    except ApiError as exc:
        raise session.fail(exc) from exc
    out = output.open("w", newline="") if output else sys.stdout
    try:
        if fmt == "json":
            json.dump(records, out, indent=2)
            out.write("\n")
        elif fmt == "csv":
            writer = csv.writer(out)
            writer.writerow(["username", "uid", "gid", "full_name", "email", "active", "projects",
                             "ssh_keys"])
            for r in records:
                writer.writerow([r["username"], r["uid"], r["gid"], r["full_name"], r["email"],
                                 r["active"], " ".join(r["projects"]), "\n".join(r["ssh_keys"])])
        else:
            for r in records:
                # A name must not break the line or the fields (it could forge an account).
                gecos = " ".join("".join(c if c.isprintable() and c not in ":," else " "
                                         for c in r["full_name"]).split())
                shell = "/bin/bash" if r["active"] else "/usr/sbin/nologin"
                out.write(f"{r['username']}:x:{r['uid']}:{r['gid']}:{gecos}:"
                          f"/home/{r['username']}:{shell}\n")
    finally:
        if output:
            out.close()
    if output:
        err.print(f"{len(records)} identities written to {output}")


# --------------------------------------------------------------------------------------- jobs


def _job_retry(job: dict[str, Any]) -> str:
    """When a queued or confirming job is tried again, and the attempts so far."""
    if job.get("state") not in ("queued", "confirming"):
        return ""
    attempts = job.get("submit_attempts") or 0
    what = "check" if job["state"] == "confirming" else "attempt"
    at = job.get("next_attempt_at")
    when = f"next {what} at {at}" if at else f"next {what} shortly"
    return f"{when}; {attempts} attempt{'s' if attempts != 1 else ''} so far"


def _job_line(job: dict[str, Any]) -> str:
    why = job.get("reason_text") or job.get("queued_reason") or ""
    if job.get("state") == "confirming":
        why = ("the scheduler's answer was lost: checking whether it received the job before "
               "submitting it again" + (f" ({why})" if why else ""))
    retry = _job_retry(job)
    line = f"job {job['id']} {job['state']}" + (f": {why}" if why else "")
    return line + (f" ({retry})" if retry else "")


@jobs_app.command("submit")
def jobs_submit(
    project: Annotated[int, typer.Argument(help="Project id (see laif whoami)")],
    name: Annotated[str, typer.Option(help="Job name")] = "job",
    template: Annotated[str | None, typer.Option(
        help="pytorch_ddp, fine_tuning, batch_inference or array")] = None,
    script: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                help="Batch script to run")] = None,
    gpus: Annotated[int | None, typer.Option(min=0, help="GPUs (one node)")] = None,
    time: Annotated[int | None, typer.Option(min=1, help="Time limit in minutes")] = None,
    partition: Annotated[str | None, typer.Option(help="Partition")] = None,
    array: Annotated[int | None, typer.Option(min=1, help="Number of array tasks")] = None,
    throttle: Annotated[int | None, typer.Option(
        min=0, help="At most this many array tasks at a time (0: no limit)")] = None,
) -> None:
    """Submit a batch job to your project: it runs as you, inside the project's GPU budget.
    Its resources come from these options only: a script with #SBATCH lines is refused."""
    if script is None and template is None:
        err.print("[red]Give --script FILE or --template NAME.[/red]")
        raise typer.Exit(2)
    body: dict[str, Any] = {"name": name, "template": template, "gpus": gpus,
                            "time_limit_minutes": time, "partition": partition,
                            "array_size": array, "array_throttle": throttle,
                            # as it is: the platform makes its line endings Unix ones, and says so
                            "script": script.read_bytes().decode("utf-8", errors="replace")
                            if script is not None else ""}
    try:
        job = session.client().post(f"/projects/{project}/jobs",
                             json={k: v for k, v in body.items() if v is not None})
    except ApiError as exc:
        raise session.fail(exc) from exc
    console.print(escape(_job_line(job)))
    for note in job.get("notes", []):
        console.print(f"[dim]{escape(note)}[/dim]")


@jobs_app.command("list")
def jobs_list(
    project: Annotated[int | None, typer.Option(help="Only this project's jobs")] = None,
    state: Annotated[str | None, typer.Option(help="Only jobs in this state")] = None,
) -> None:
    """Your projects' jobs, newest first."""
    params = {k: v for k, v in {"project_id": project, "state": state}.items() if v is not None}
    try:
        found = session.client().get("/compute/jobs", params=params)
    except ApiError as exc:
        raise session.fail(exc) from exc
    table = Table(title=f"{len(found)} jobs")
    # nothing is cut at 80 columns: identifiers and states never wrap, the rest wraps, and why
    # a job waits goes under its name
    for column in ("id", "state", "GPUs", "min"):
        table.add_column(column, no_wrap=True)
    for column, ratio in (("project", 1), ("name", 2), ("by", 1)):
        table.add_column(column, overflow="fold", ratio=ratio)
    for job in found:
        why = "; ".join(part for part in (job["reason_text"] or job["queued_reason"],
                                          _job_retry(job)) if part)
        table.add_row(str(job["id"]), job["state"], str(job["gpus"] * job["array_size"]),
                      str(job["time_limit_minutes"]), job["project_code"],
                      escape(job["name"]) + (f"\n[dim]{escape(why)}[/dim]" if why else ""),
                      job["submitted_by"])
    console.print(table)


@jobs_app.command("show")
def jobs_show(job_id: Annotated[int, typer.Argument(help="Job id")]) -> None:
    """A job's state, why it waits, its resources and times."""
    try:
        job = session.client().get(f"/compute/jobs/{job_id}")
    except ApiError as exc:
        raise session.fail(exc) from exc
    console.print(f"[bold]{escape(_job_line(job))}[/bold]")
    for key in ("name", "project_code", "template", "gpus", "time_limit_minutes", "partition",
                "array_size", "array_throttle", "worst_case_gpu_minutes", "scheduler",
                "scheduler_id", "reason", "submit_attempts", "next_attempt_at", "submitted_by",
                "created_at", "submitted_at", "started_at", "ended_at", "exit_code",
                "state_checked_at"):
        if job.get(key) not in (None, ""):
            console.print(f"{key}: {escape(str(job[key]))}")


@jobs_app.command("logs")
def jobs_logs(job_id: Annotated[int, typer.Argument(help="Job id")]) -> None:
    """The job's output so far."""
    try:
        logs = session.client().get(f"/compute/jobs/{job_id}/logs")
    except ApiError as exc:
        raise session.fail(exc) from exc
    sys.stdout.write(logs["output"])
    for note in logs.get("notes") or []:
        err.print(escape(str(note)))


@jobs_app.command("cancel")
def jobs_cancel(job_id: Annotated[int, typer.Argument(help="Job id")]) -> None:
    """Cancel a job (yours, or any of your project's if you lead it)."""
    try:
        job = session.client().post(f"/compute/jobs/{job_id}/cancel")
    except ApiError as exc:
        raise session.fail(exc) from exc
    console.print(escape(_job_line(job)))


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laif.config.settings")
    import django

    django.setup()


@app.command()
def demo() -> None:
    """Load the catalogue and the demo organisations, projects, logins, an allocation, its usage
    and last month's statement (idempotent)."""
    _django()
    from laif.accounts.demo import demo_load
    from laif.assess.demo import assess_demo_load
    from laif.billing.demo import billing_demo_load
    from laif.connect.demo import connect_demo_load
    from laif.entry.demo import entry_demo_load
    from laif.fund.demo import fund_demo_load
    from laif.govern.demo import govern_demo_load
    from laif.network.demo import network_demo_load
    from laif.registry.demo import registry_demo_load
    from laif.sandbox.demo import sandbox_demo_load
    from laif.train.demo import train_demo_load

    logins = demo_load()
    billing = billing_demo_load()
    fund_demo_load()
    entry_demo_load()
    assess_demo_load()
    sandbox_demo_load()
    registry_demo_load()
    govern_demo_load()
    train_demo_load()
    logins += connect_demo_load()
    network_demo_load()
    console.print(f"demo usage: {billing.usage.records_new} new records; statement of last "
                  f"month: {billing.statement_number}")
    table = Table(title="Demo logins (http://127.0.0.1:8000)")
    table.add_column("role")
    table.add_column("e-mail")
    table.add_column("password")
    for role, email, password in logins:
        table.add_row(role, email, password)
    console.print(table)


@app.command()
def serve(
    addr: Annotated[str, typer.Option(help="address:port of the web server")] = "127.0.0.1:8000",
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="web worker processes (default: LAIF_WEB_WORKERS, or 2 x cores + 1)",
    )] = None,
) -> None:
    """Run the platform: the web server (gunicorn, static files included), the task worker and
    the schedule of the periodic work. Ctrl-C stops all three."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laif.config.settings")
    import laif.config.settings  # noqa: F401 - a bad setting stops here, once, with its message
    from laif.ops.runner import serve as run

    console.print(f"laif serving on [bold]http://{addr}[/bold]: web, worker and schedule "
                  "(Ctrl-C to stop)")
    raise typer.Exit(run(addr=addr, workers=workers))


if __name__ == "__main__":  # pragma: no cover
    app()
