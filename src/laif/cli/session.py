"""What every command group of the CLI shares: the consoles, the API client of the saved login
and how an API error ends a command (exit 1, the platform's message on standard error)."""

from __future__ import annotations

from typing import Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from laif.cli.client import ApiError, Client, Credentials

console = Console()
err = Console(stderr=True)

# Tests inject an in-process transport here (httpx.WSGITransport over the Django app).
TRANSPORT: httpx.BaseTransport | None = None


def client() -> Client:
    """The client of the saved login (``laif login``, or LAIF_TOKEN and LAIF_URL); exit 2 when
    there is none."""
    creds = Credentials.load()
    if creds is None:
        err.print("[red]Not logged in.[/red] Run [bold]laif login[/bold] first "
                  "(or set LAIF_TOKEN and LAIF_URL).")
        raise typer.Exit(2)
    return Client(creds.url, creds.token, transport=TRANSPORT)


def fail(exc: ApiError) -> typer.Exit:
    """Print the API's error and return the exit to raise."""
    err.print(f"[red]Error[/red] ({exc.status or 'network'}): {escape(str(exc.detail))}")
    return typer.Exit(1)


def call(method: str, path: str, **kwargs: Any) -> Any:
    """GET or POST ``path`` with the saved login: the API's answer; an API error ends the
    command (``fail``)."""
    api = client()
    try:
        return api.get(path, **kwargs) if method == "GET" else api.post(path, **kwargs)
    except ApiError as exc:
        raise fail(exc) from exc
