"""``laif sandbox``: a project's data sandbox (through the REST API).

- ``laif sandbox upload FILE --project ID --name NAME``: a CSV or Parquet file, streamed with a
  progress bar; a file with malformed rows is refused whole and each row's line is listed;
- ``laif sandbox list --project ID``: the datasets and their versions;
- ``laif sandbox classify VERSION``: the columns' proposed and confirmed kinds of personal data;
  ``--set column=kind`` (repeatable) corrects one, ``--confirm`` confirms the classification.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from laif.cli import session
from laif.cli.client import ApiError
from laif.cli.uploads import get_file, post_file

sandbox_app = typer.Typer(help="Data sandboxes: upload sensitive tables, review their "
                          "classification.", no_args_is_help=True)

ProjectOption = Annotated[int, typer.Option("--project", min=1, max=2_147_483_647,
                                            help="The project's id")]
VersionId = Annotated[int, typer.Argument(min=1, max=2_147_483_647, help="The version's id")]
KINDS = ("lu_matricule", "iban", "email", "phone", "person_name", "street_address",
         "postcode_lu", "date_of_birth", "free_text", "not_personal")


def _fail(exc: ApiError) -> typer.Exit:
    problems = exc.body.get("problems") or []
    for p in problems:
        session.err.print(f"  line {p['line']}: {escape(str(p['reason']))}")
    count = exc.body.get("problem_count") or 0
    if count > len(problems):
        session.err.print(f"  ... {count - len(problems)} more")
    return session.fail(exc)


def _classification(v: dict[str, Any]) -> None:
    table = Table(title=f"{v['dataset']} version {v['number']}: {v['rows']} rows, {v['state']}")
    for column in ("Column", "Proposed", "Validated", "Kind"):
        table.add_column(column)
    for c in v["classification"]:
        evidence = f"{c['matched']}/{c['sampled']}" if c["sampled"] else "—"
        if c["found_in_text"]:
            evidence += " (" + ", ".join(f"{k} {n}" for k, n in c["found_in_text"].items()) + ")"
        table.add_row(escape(c["name"]), c["proposed_kind"], evidence, c["kind"])
    session.console.print(table)


@sandbox_app.command("upload")
def sandbox_upload(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                                        readable=True, help="CSV or Parquet")],
                   project: ProjectOption,
                   name: Annotated[str, typer.Option("--name", help="The dataset's name")],
                   encoding: Annotated[str, typer.Option(help="Force the encoding")] = "",
                   delimiter: Annotated[str, typer.Option(help="Force the delimiter")] = "") -> None:
    """Upload a table into the project's sandbox (a new dataset, or a new version of one)."""
    client = session.client()
    try:
        out = post_file(client, f"/projects/{project}/datasets", path,
                        data={"name": name, "encoding": encoding, "delimiter": delimiter})
    except ApiError as exc:
        raise _fail(exc) from exc
    session.console.print(f"Uploaded {escape(out['dataset'])} version {out['number']} "
                          f"(id {out['id']}): {out['rows']} rows, sha256 {out['source_sha256']}")
    _classification(out)
    session.console.print(f"Review it: laif sandbox classify {out['id']} [--set column=kind] "
                          "--confirm")


@sandbox_app.command("list")
def sandbox_list(project: ProjectOption) -> None:
    """The project's datasets and their versions."""
    client = session.client()
    try:
        found = client.get(f"/projects/{project}/datasets")
    except ApiError as exc:
        raise session.fail(exc) from exc
    table = Table(title=f"Datasets of project {project}")
    for column in ("Dataset", "Version id", "Version", "Rows", "Uploaded", "Classification"):
        table.add_column(column)
    for d in found:
        for v in d["versions"]:
            table.add_row(escape(d["name"]), str(v["id"]), str(v["number"]), str(v["rows"]),
                          v["uploaded_at"][:16].replace("T", " "), v["state"])
    session.console.print(table)


@sandbox_app.command("classify")
def sandbox_classify(version: VersionId,
                     set_: Annotated[list[str] | None, typer.Option(
                         "--set", help="column=kind, to correct a column (repeatable)")] = None,
                     confirm: Annotated[bool, typer.Option(
                         "--confirm", help="Confirm the classification")] = False) -> None:
    """A version's columns and their kinds of personal data; correct and confirm them."""
    kinds: dict[str, str] = {}
    for item in set_ or []:
        column, sep, kind = item.rpartition("=")
        if not sep or not column or kind not in KINDS:
            raise typer.BadParameter(f"--set column=kind, kind one of {', '.join(KINDS)}")
        kinds[column] = kind
    if kinds and not confirm:
        raise typer.BadParameter("corrections are saved with --confirm")
    client = session.client()
    try:
        out = (client.post(f"/dataset-versions/{version}/review", json={"kinds": kinds})
               if confirm else client.get(f"/dataset-versions/{version}"))
    except ApiError as exc:
        raise session.fail(exc) from exc
    _classification(out)


ACTIONS = ("keep", "pseudonymise", "encrypt", "generalise", "suppress")


def _policy_table(p: dict[str, Any]) -> None:
    table = Table(title=f"Release policy of version {p['version_id']}"
                  + ("" if p["saved"] else " (proposed, not saved)"))
    for column in ("Column", "Kind", "Action", "Domain", "Detail", "Role"):
        table.add_column(column)
    for c in p["columns"]:
        detail = c["granularity"] or (f"bands of {c['band_width']}" if c["band_width"] else "")
        role = "quasi-identifier" if c["quasi_identifier"] else (
            "sensitive" if c["sensitive"] else "")
        table.add_row(escape(c["column"]), c["kind"], c["action"], c["domain"], detail, role)
    session.console.print(table)


def _pairs(items: list[str] | None, option: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in items or []:
        column, sep, value = item.rpartition("=")
        if not sep or not column:
            raise typer.BadParameter(f"{option} column=value")
        found[column] = value
    return found


@sandbox_app.command("policy")
def sandbox_policy(
        version: VersionId,
        set_: Annotated[list[str] | None, typer.Option(
            "--set", help="column=action or column=action:domain (repeatable)")] = None,
        qi: Annotated[list[str] | None, typer.Option(
            "--qi", help="a quasi-identifier column (repeatable; replaces the marks)")] = None,
        sensitive: Annotated[list[str] | None, typer.Option(
            "--sensitive", help="a sensitive column (repeatable; replaces the marks)")] = None,
        granularity: Annotated[list[str] | None, typer.Option(
            "--granularity", help="column=month|year for a date generalised")] = None,
        band: Annotated[list[str] | None, typer.Option(
            "--band", help="column=width for numbers generalised to bands")] = None,
        save: Annotated[bool, typer.Option("--save", help="Save the policy shown")] = False,
) -> None:
    """A version's release policy (saved, or proposed from the classification); change it with
    the options and --save."""
    client = session.client()
    try:
        current = client.get(f"/dataset-versions/{version}/policy")
    except ApiError as exc:
        raise session.fail(exc) from exc
    columns = {c["column"]: c for c in current["columns"]}
    changes = _pairs(set_, "--set")
    for column, value in changes.items():
        action, _sep, domain = value.partition(":")
        if column not in columns or action not in ACTIONS:
            raise typer.BadParameter(f"--set: a column of the version, action one of "
                                     f"{', '.join(ACTIONS)}")
        columns[column].update(action=action, domain=domain or columns[column]["domain"])
    for column, value in _pairs(granularity, "--granularity").items():
        columns[column]["granularity"] = value
    for column, value in _pairs(band, "--band").items():
        if not value.isdigit():
            raise typer.BadParameter("--band column=width (a whole number)")
        columns[column]["band_width"] = int(value)
    if qi is not None or sensitive is not None:
        for c in columns.values():
            c["quasi_identifier"] = c["column"] in (qi or [])
            c["sensitive"] = c["column"] in (sensitive or [])
    if save or changes or qi is not None or sensitive is not None or granularity or band:
        try:
            current = client.request("PUT", f"/dataset-versions/{version}/policy", json={
                "columns": [{k: v for k, v in c.items() if k != "kind"}
                            for c in columns.values()]})
        except ApiError as exc:
            raise session.fail(exc) from exc
    _policy_table(current)


def _risk(r: dict[str, Any]) -> None:
    verdict = "[green]passes[/green]" if r["passes"] else "[red]does not pass[/red]"
    line = f"Risk: {verdict}: k = {r['k']} ({r['required_k']} required)"
    if r["l"] is not None:
        line += f", l = {r['l']} ({r['required_l']} required)"
    session.console.print(line + f", {r['groups']} groups, {r['rows']} rows, "
                          f"{r['suppressed_rows']} rows left out")
    table = Table(title="The smallest groups")
    for q in r["quasi_identifiers"]:
        table.add_column(escape(q))
    table.add_column("Rows")
    for g in r["smallest_groups"]:
        table.add_row(*[escape("—" if v is None else str(v)) for v in g["values"]], str(g["size"]))
    session.console.print(table)


KOption = Annotated[int | None, typer.Option("--k", min=1, max=1000, help="k required")]
LOption = Annotated[int | None, typer.Option("--l", min=1, max=1000, help="l required")]
SuppressOption = Annotated[bool, typer.Option(
    "--suppress", help="Leave out the rows of groups smaller than k")]


@sandbox_app.command("risk")
def sandbox_risk(version: VersionId, k: KOption = None, l: LOption = None,  # noqa: E741
                 suppress: SuppressOption = False) -> None:
    """The re-identification risk of a release under the saved policy."""
    client = session.client()
    params: dict[str, Any] = {"suppress": suppress}
    params.update({n: v for n, v in (("required_k", k), ("required_l", l)) if v})
    try:
        _risk(client.get(f"/dataset-versions/{version}/risk", params=params))
    except ApiError as exc:
        raise session.fail(exc) from exc


@sandbox_app.command("release")
def sandbox_release(version: VersionId, k: KOption = None, l: LOption = None,  # noqa: E741
                    suppress: SuppressOption = False) -> None:
    """Release the pseudonymised copy to the project's jobs (refused under k and l)."""
    client = session.client()
    body: dict[str, Any] = {"suppress": suppress, "required_k": k, "required_l": l}
    try:
        out = client.post(f"/dataset-versions/{version}/releases", json=body, timeout=None)
    except ApiError as exc:
        if exc.body.get("risk"):
            _risk(exc.body["risk"])
        raise session.fail(exc) from exc
    session.console.print(f"Released {escape(out['dataset'])} release {out['number']} "
                          f"(id {out['id']}): {out['rows']} rows, k = {out['k']}")
    session.console.print(f"In the project's jobs: {out['env_var']}={out['staged_path']}")
    session.console.print(f"sha256 {out['output_sha256']}, signature {out['signature'][:32]}... "
                          f"by {out['signing_key_id']}")


@sandbox_app.command("download")
def sandbox_download(release: Annotated[int, typer.Argument(min=1, max=2_147_483_647)],
                     output: Annotated[Path, typer.Option("--output", "-o",
                                                          help="Where to write the file")]
                     ) -> None:
    """Download a release's Parquet file (written whole, then renamed)."""
    client = session.client()
    try:
        get_file(client, f"/releases/{release}/file", output)
    except ApiError as exc:
        raise session.fail(exc) from exc
    session.console.print(f"Wrote {output}")


reidentify_app = typer.Typer(help="Re-identification of encrypted values: ask, approve or "
                             "refuse (another data owner), reveal once.", no_args_is_help=True)
sandbox_app.add_typer(reidentify_app, name="reidentify")
ReleaseId = Annotated[int, typer.Argument(min=1, max=2_147_483_647, help="The release's id")]
RequestId = Annotated[int, typer.Argument(min=1, max=2_147_483_647, help="The request's id")]


def _reid_call(path: str) -> dict[str, Any]:
    client = session.client()
    try:
        out: dict[str, Any] = client.post(path)
    except ApiError as exc:
        raise session.fail(exc) from exc
    return out


@reidentify_app.command("request")
def reid_request(release: ReleaseId,
                 column: Annotated[str, typer.Option("--column", help="The encrypted column")],
                 token: Annotated[list[str], typer.Option(
                     "--token", help="An encrypted value as released (repeatable)")],
                 reason: Annotated[str, typer.Option("--reason", help="Why (the approver reads it)")]
                 ) -> None:
    """Ask to see the original values behind encrypted values of a release."""
    client = session.client()
    try:
        out = client.post(f"/releases/{release}/reidentifications",
                          json={"column": column, "tokens": token, "reason": reason})
    except ApiError as exc:
        raise session.fail(exc) from exc
    session.console.print(f"Request {out['id']}: {len(out['tokens'])} values, waiting for "
                          "another data owner's approval.")


@reidentify_app.command("list")
def reid_list(release: ReleaseId) -> None:
    """A release's re-identification requests."""
    client = session.client()
    try:
        found = client.get(f"/releases/{release}/reidentifications")
    except ApiError as exc:
        raise session.fail(exc) from exc
    table = Table(title=f"Re-identification requests of release {release}")
    for column in ("Id", "Asked by", "Column", "Values", "State", "Decided by", "Why"):
        table.add_column(column)
    for r in found:
        table.add_row(str(r["id"]), escape(r["requested_by"]), escape(r["column"]),
                      str(len(r["tokens"])), r["state"], escape(r["decided_by"] or "—"),
                      escape(r["reason"]))
    session.console.print(table)


@reidentify_app.command("approve")
def reid_approve(request: RequestId) -> None:
    """Approve another data owner's request (valid once, for a limited time)."""
    out = _reid_call(f"/reidentifications/{request}/approve")
    session.console.print(f"Request {out['id']} approved until {out['expires_at']}.")


@reidentify_app.command("refuse")
def reid_refuse(request: RequestId) -> None:
    """Refuse another data owner's request."""
    out = _reid_call(f"/reidentifications/{request}/refuse")
    session.console.print(f"Request {out['id']} refused.")


@reidentify_app.command("reveal")
def reid_reveal(request: RequestId) -> None:
    """Your approved request's original values, shown once."""
    out = _reid_call(f"/reidentifications/{request}/reveal")
    table = Table(title="Shown once")
    table.add_column("Encrypted value")
    table.add_column("Original value")
    for v in out["values"]:
        table.add_row(escape(v["token"]), escape(v["value"]) if v["value"] is not None
                      else "(not a value of this column in this release)")
    session.console.print(table)
