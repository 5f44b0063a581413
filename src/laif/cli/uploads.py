"""Sending a file to the API as a multipart upload, with a progress bar on standard error (the
bar goes when the upload ends or fails)."""

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
