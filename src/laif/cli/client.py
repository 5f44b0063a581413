"""The CLI's HTTP client for the laif REST API, and where its login is kept."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"


class ApiError(Exception):
    def __init__(self, status: int, detail: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.body = body or {}  # the error's whole JSON body (e.g. an upload's row problems)


def config_path() -> Path:
    base = os.environ.get("LAIF_CONFIG_DIR") or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "laif"
    )
    return Path(base) / "credentials.json"


@dataclass
class Credentials:
    url: str
    token: str

    @classmethod
    def load(cls) -> Credentials | None:
        env_token = os.environ.get("LAIF_TOKEN")
        if env_token:
            return cls(os.environ.get("LAIF_URL", DEFAULT_URL), env_token)
        path = config_path()
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return cls(str(data["url"]), str(data["token"]))

    def save(self) -> Path:
        path = config_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"url": self.url, "token": self.token}, fh)
        return path


class HeadStore:
    """Audit heads verified earlier, per server, kept on the auditor's machine."""

    def __init__(self, path: Path, heads: dict[str, list[Any]]) -> None:
        self.path = path
        self.heads = heads

    @classmethod
    def load(cls) -> HeadStore:
        path = config_path().with_name("audit-heads.json")
        try:
            heads = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            heads = {}
        return cls(path, heads if isinstance(heads, dict) else {})

    def get(self, url: str) -> tuple[int, str] | None:
        value = self.heads.get(url)
        if isinstance(value, list) and len(value) == 2:
            return int(value[0]), str(value[1])
        return None

    def put(self, url: str, seq: int, head_hash: str) -> None:
        self.heads[url] = [seq, head_hash]
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path.write_text(json.dumps(self.heads, indent=1))


class Client:
    def __init__(self, url: str, token: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=url.rstrip("/") + "/api", headers=headers,
                                 timeout=30.0, transport=transport)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response of a request that succeeded; ``ApiError`` otherwise (server down: 0)."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ApiError(0, f"cannot reach the laif server at {self.http.base_url}: {exc}") from exc
        if response.status_code >= 400:
            body: dict[str, Any] = {}
            try:
                found = response.json()
                body = found if isinstance(found, dict) else {}
                detail = str(body.get("detail", response.text))
            except ValueError:
                detail = response.text[:500]
            raise ApiError(response.status_code, detail, body)
        return response

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        return response.json() if response.content else None

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def get_bytes(self, path: str) -> bytes:
        """A binary document (a PDF): the body as is."""
        return self._send("GET", path).content

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)
