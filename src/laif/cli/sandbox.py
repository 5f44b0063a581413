"""``laif sandbox``: a project's data sandbox (through the REST API).

- ``laif sandbox upload FILE --project ID --name NAME``: a CSV or Parquet file, streamed with a
  progress bar; a file with malformed rows is refused whole and each row's line is listed;
- ``laif sandbox list --project ID``: the datasets and their versions;
- ``laif sandbox classify VERSION``: the columns' proposed and confirmed kinds of personal data;
  ``--set column=kind`` (repeatable) corrects one, ``--confirm`` confirms the classification.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from laif.cli import session
from laif.cli.client import ApiError

sandbox_app = typer.Typer(help="Data sandboxes: upload sensitive tables, review their "
                          "classification.", no_args_is_help=True)

ProjectOption = Annotated[int, typer.Option("--project", min=1, max=2_147_483_647,
                                            help="The project's id")]
VersionId = Annotated[int, typer.Argument(min=1, max=2_147_483_647, help="The version's id")]
KINDS = ("lu_matricule", "iban", "email", "phone", "person_name", "street_address",
         "postcode_lu", "date_of_birth", "free_text", "not_personal")


class _Progress(io.FileIO):
    """A file read for the upload, advancing a progress bar."""

    def __init__(self, path: Path, progress: Progress, task: Any) -> None:
        super().__init__(path, "rb")
        self.progress, self.task = progress, task

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.progress.advance(self.task, len(chunk or b""))
        return chunk or b""


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
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), console=session.err,
                  transient=True) as progress:
        task = progress.add_task("uploading", total=path.stat().st_size)
        with _Progress(path, progress, task) as src:
            try:
                out = client.post(f"/projects/{project}/datasets",
                                  data={"name": name, "encoding": encoding, "delimiter": delimiter},
                                  files={"file": (path.name, src)}, timeout=None)
            except ApiError as exc:
                progress.stop()
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
