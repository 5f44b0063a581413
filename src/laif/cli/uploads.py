"""Files to and from the API with a progress bar on standard error (the bar goes when the
transfer ends or fails): an upload as a multipart form, a download written whole, then
renamed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from laif.cli import session
from laif.cli.client import ApiError, Client


class _Progress(io.FileIO):
    """A file read for the upload, advancing a progress bar."""

    def __init__(self, path: Path, progress: Progress, task: Any) -> None:
        super().__init__(path, "rb")
        self.progress, self.task = progress, task

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.progress.advance(self.task, len(chunk or b""))
        return chunk or b""


def post_file(client: Client, url: str, path: Path,
              data: dict[str, str] | None = None) -> Any:
    """POST ``path`` as the form's ``file`` (with ``data``); the API's answer. An ApiError is
    raised as is, the bar removed first."""
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), console=session.err,
                  transient=True) as progress:
        task = progress.add_task("uploading", total=path.stat().st_size)
        with _Progress(path, progress, task) as src:
            try:
                return client.post(url, data=data or {}, files={"file": (path.name, src)},
                                   timeout=None)
            except ApiError:
                progress.stop()
                raise


def get_file(client: Client, url: str, output: Path) -> None:
    """GET ``url`` into ``output``, written under a temporary name beside it and renamed when
    whole; an ApiError is raised as is, nothing left behind."""
    tmp = output.with_name(f".{output.name}.part")
    try:
        with client.http.stream("GET", url, timeout=None) as response:
            if response.status_code >= 400:
                response.read()
                raise ApiError(response.status_code,
                               str(response.json().get("detail", response.text)))
            total = int(response.headers.get("Content-Length") or 0) or None
            with Progress("[progress.description]{task.description}", BarColumn(),
                          DownloadColumn(), TransferSpeedColumn(), console=session.err,
                          transient=True) as progress, tmp.open("wb") as out:
                task = progress.add_task("downloading", total=total)
                for chunk in response.iter_bytes():
                    out.write(chunk)
                    progress.advance(task, len(chunk))
        tmp.replace(output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
