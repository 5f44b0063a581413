"""``laif models``: a project's model registry, through the REST API.

- ``laif models list --project ID``: the models, their latest version and aliases;
- ``laif models register NAME --file model.zip [--project ID] [--job ID] [--dataset NAME ...]
  [--code-ref REF] [--param k=v ...] [--metric k=v ...]``: a new version. Inside a job it uses
  the job's own token (``LAIF_JOB_TOKEN``, ``LAIF_URL``, ``LAIF_PROJECT_ID``, never a person's),
  and the datasets the job was given (``LAIF_DATASET_*``) unless ``--dataset`` names others;
- ``laif models show MODEL``: versions, aliases, requests, deployments and whether the ledger
  holds;
- ``laif models download VERSION -o FILE`` and ``laif models signature VERSION -o FILE``;
- ``laif models verify FILE SIGNATURE [--key PEM]``: offline, the artefact's checksum and the
  platform's signature of its record (exit 3 when either fails);
- ``laif models promote VERSION --alias champion``, ``laif models approve|reject REQUEST``;
- ``laif models deploy MODEL --env production --version VERSION_ID [--target TEXT]`` (without
  ``--version``: the environment retired).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.markup import escape
from rich.table import Table

from laif.cli import session
from laif.cli.client import ApiError, Client
from laif.cli.uploads import get_file, post_file

models_app = typer.Typer(help="Model registry: versions with lineage, aliases approved by a "
                         "second person, deployments.", no_args_is_help=True)

Int32 = {"min": 1, "max": 2_147_483_647}
ModelArg = Annotated[int, typer.Argument(**Int32, help="The model's id")]
VersionArg = Annotated[int, typer.Argument(**Int32, help="The version's id")]
RequestArg = Annotated[int, typer.Argument(**Int32, help="The request's id")]
Output = Annotated[Path, typer.Option("--output", "-o", help="Where to write the file")]


def _project(given: int | None) -> int:
    if given is not None:
        return given
    from_env = os.environ.get("LAIF_PROJECT_ID", "")
    if from_env.isdigit():
        return int(from_env)
    session.err.print("[red]Name the project[/red] with --project (inside a job: "
                      "LAIF_PROJECT_ID).")
    raise typer.Exit(2)


@models_app.command("list")
def list_models(project: Annotated[int | None, typer.Option(**Int32)] = None) -> None:
    """The project's models."""
    found: list[dict[str, Any]] = session.call("GET", f"/projects/{_project(project)}/models")
    if not found:
        session.console.print("No model registered yet.")
        return
    table = Table(title="Models")
    for column in ("Id", "Name", "Versions", "Latest", "Aliases"):
        table.add_column(column)
    for m in found:
        table.add_row(str(m["id"]), escape(m["name"]), str(m["versions"]),
                      f"v{m['latest_version']}" if m["latest_version"] else "-",
                      ", ".join(f"{a['alias']} v{a['version']}" for a in m["aliases"]) or "-")
    session.console.print(table)


def pairs(texts: list[str]) -> dict[str, str | int | float]:
    """``key=value`` texts as a mapping; a value that reads as a number is one."""
    found: dict[str, str | int | float] = {}
    for text in texts:
        key, sep, value = text.partition("=")
        if not sep or not key:
            session.err.print(f"[red]Not key=value:[/red] {escape(text)}")
            raise typer.Exit(2)
        for kind in (int, float):
            try:
                found[key] = kind(value)
                break
            except ValueError:
                continue
        else:
            found[key] = value
    return found


def job_datasets() -> list[str]:
    """The released files a job was given (``LAIF_DATASET_<NAME>=<folder>/<file>``)."""
    return sorted(Path(value).name for name, value in os.environ.items()
                  if name.startswith("LAIF_DATASET_") and value)


def _register_client() -> Client:
    token = os.environ.get("LAIF_JOB_TOKEN")
    if token:
        return Client(os.environ.get("LAIF_URL", "http://127.0.0.1:8000"), token,
                      transport=session.TRANSPORT)
    return session.client()


@models_app.command("register")
def register(
    name: Annotated[str, typer.Argument(help="The model's name (created with its first version)")],
    file: Annotated[Path, typer.Option(exists=True, dir_okay=False, readable=True,
                                       help="An MLflow model directory zipped, or a model file")],
    project: Annotated[int | None, typer.Option(**Int32)] = None,
    job: Annotated[int | None, typer.Option(**Int32, help="The training job (in a job: "
                                            "itself)")] = None,
    dataset: Annotated[list[str] | None, typer.Option(help="A released dataset it was trained "
                                                      "on (repeat)")] = None,
    code_ref: Annotated[str, typer.Option(help="Commit, tag or checksum of the code")] = "",
    param: Annotated[list[str] | None, typer.Option(help="key=value (repeat)")] = None,
    metric: Annotated[list[str] | None, typer.Option(help="key=number (repeat)")] = None,
) -> None:
    """Register a version of a model, from inside its training job or by hand."""
    client = _register_client()
    data = {"datasets": ",".join(dataset if dataset else job_datasets()),
            "code_ref": code_ref, "params": json.dumps(pairs(param or [])),
            "metrics": json.dumps(pairs(metric or []))}
    if job is not None:
        data["job_id"] = str(job)
    try:
        out = post_file(client, f"/projects/{_project(project)}/models/{name}/versions", file,
                        data)
    except ApiError as exc:
        raise session.fail(exc) from exc
    session.console.print(f"Registered {escape(out['model'])} version {out['number']} "
                          f"(id {out['id']}): sha256 {out['sha256']}")
    if out["training"]:
        session.console.print(f"Trained by job {out['training']['job_id']}; datasets: "
                              + (", ".join(d["file"] for d in out["datasets"]) or "none"))


@models_app.command("show")
def show(model: ModelArg) -> None:
    """A model: versions, aliases, waiting requests, deployments."""
    m = session.call("GET", f"/models/{model}")
    session.console.print(f"[bold]{escape(m['name'])}[/bold] "
                          + " ".join(f"{a['alias']}=v{a['version']}" for a in m["aliases"]))
    table = Table(title="Versions")
    for column in ("Id", "Version", "Registered", "SHA-256", "Job", "Aliases"):
        table.add_column(column)
    for v in m["versions"]:
        table.add_row(str(v["id"]), f"v{v['number']}", v["created_at"][:16], v["sha256"][:12],
                      str(v["training"]["job_id"]) if v["training"] else "-",
                      ", ".join(v["aliases"]) or "-")
    session.console.print(table)
    for r in m["requests"]:
        if r["state"] == "pending":
            session.console.print(f"Request {r['id']}: v{r['version']} as {r['alias']}, asked "
                                  f"by {escape(r['requested_by'])}: waiting for approval")
    for e in m["deployments"]:
        session.console.print(f"#{e['seq']} {e['effective_at'][:16]} {e['kind']} "
                              f"{escape(e['environment'])}"
                              + (f" v{e['version']}" if e["version"] else "")
                              + f" approved by {e['approved_by'] or '-'}")
    session.console.print("Ledger: holds" if m["ledger_holds"] else
                          "[red]Ledger: does not hold[/red]")


@models_app.command("download")
def download(version: VersionArg, output: Output) -> None:
    """The version's artefact: its MLflow model directory, zipped."""
    try:
        get_file(session.client(), f"/model-versions/{version}/artefact", output)
    except ApiError as exc:
        raise session.fail(exc) from exc
    session.console.print(f"Wrote {output}")


@models_app.command("signature")
def signature(version: VersionArg, output: Output) -> None:
    """The version's signed record, to keep beside its artefact."""
    signed = session.call("GET", f"/model-versions/{version}/signature")
    output.write_text(json.dumps(signed, indent=2, sort_keys=True, ensure_ascii=False))
    session.console.print(f"Wrote {output}")


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def check(artefact: Path, signed: dict[str, Any], public_key_pem: str) -> list[str]:
    """What fails in an artefact and its signed record (nothing: it holds), offline."""
    problems = []
    digest = hashlib.sha256()
    with artefact.open("rb") as src:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != signed["record"]["artefact"]["sha256"]:
        problems.append("the file's SHA-256 is not the record's")
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 key")
        key.verify(bytes.fromhex(signed["signature"]), canonical(signed["record"]))
    except (InvalidSignature, ValueError):
        problems.append("the record's signature does not verify under the key")
    return problems


@models_app.command("verify")
def verify(
    artefact: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    signed_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                                help="The signed record (JSON)")],
    key: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help=(
        "The platform's public key (PEM) you keep; else the one in the record's file"))] = None,
) -> None:
    """Check a downloaded model offline: its checksum and the platform's signature."""
    try:
        signed = json.loads(signed_file.read_text())
        pem = key.read_text() if key else str(signed["public_key_pem"])
        problems = check(artefact, signed, pem)
    except (ValueError, KeyError, TypeError) as exc:
        session.err.print(f"[red]Not a signed record:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    if problems:
        for p in problems:
            session.err.print(f"[red]Fails:[/red] {p}")
        raise typer.Exit(3)
    record = signed["record"]
    session.console.print(f"Holds: {escape(record['model'])} version {record['version']} of "
                          f"{escape(record['project'])}, sha256 {record['artefact']['sha256']}")
    if key is None:
        session.err.print("The key came with the record: pin the platform's key with --key "
                          "(GET /api/sandbox/signing-key) to trust the result.")


@models_app.command("promote")
def promote(version: VersionArg,
            alias: Annotated[str, typer.Option(help="champion or challenger")] = "champion",
            reason: str = "") -> None:
    """Ask that an alias point at the version; another person approves."""
    r = session.call("POST", f"/model-versions/{version}/alias-requests",
              json={"alias": alias, "reason": reason})
    session.console.print(f"Request {r['id']}: v{r['version']} as {r['alias']}, waiting for "
                          "another person's approval")


def _decide(request: int, approve: bool, note: str) -> None:
    r = session.call("POST", f"/alias-requests/{request}/decision",
              json={"approve": approve, "note": note})
    session.console.print(f"Request {r['id']}: {r['state']}")


@models_app.command("approve")
def approve(request: RequestArg, note: str = "") -> None:
    """Approve a request for an alias (not your own)."""
    _decide(request, True, note)


@models_app.command("reject")
def reject(request: RequestArg, note: str = "") -> None:
    """Reject a request for an alias."""
    _decide(request, False, note)


@models_app.command("deploy")
def deploy(model: ModelArg,
           env: Annotated[str, typer.Option("--env", help="The environment's name")],
           version: Annotated[int | None, typer.Option(**Int32, help=(
               "The version's id; none: the environment is retired"))] = None,
           target: Annotated[str, typer.Option(help="Where it runs, on your side")] = "",
           note: str = "") -> None:
    """Record a deployment (or a retirement) in the model's ledger."""
    e = session.call("POST", f"/models/{model}/deployments",
              json={"environment": env, "version_id": version, "target": target, "note": note})
    session.console.print(f"#{e['seq']} {e['kind']} {escape(e['environment'])}"
                          + (f" v{e['version']}" if e["version"] else "")
                          + f", hash {e['hash'][:16]}")
