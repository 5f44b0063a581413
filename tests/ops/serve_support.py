"""Starting the whole platform for real (``laif serve``: gunicorn, the task worker and the
schedule) on a database file of its own, talking to it over HTTP, and stopping it as Ctrl-C
does, then checking that no process of it is left."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
LAIF = Path(sys.executable).with_name("laif")
MARK = "LAIF_TEST_RUN_MARK"


def sqlite_only() -> pytest.MarkDecorator:
    """The processes use a SQLite file of their own whatever the suite's database: run these
    tests once, on the SQLite pass."""
    engine = settings.DATABASES["default"]["ENGINE"]
    return pytest.mark.skipif(engine != "django.db.backends.sqlite3",
                              reason="runs on the SQLite pass (its processes use their own file)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def base_env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LAIF_", "DATABASE_URL", "DJANGO_", "PROMETHEUS_"))}
    env.update({"LAIF_DATA_DIR": str(data), "LAIF_ENV": "development", "PYTHONUNBUFFERED": "1",
                "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])})
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def marked_processes(mark: str) -> list[int]:
    """Every process whose environment carries this run's mark (all descendants inherit it)."""
    found = []
    needle = f"{MARK}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if needle in environ.split(b"\0") and stat.rsplit(")", 1)[1].split()[0] != "Z":
            found.append(int(entry.name))
    return found


@dataclass
class Platform:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    mark: str
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def health(self, all_checks: bool = False) -> tuple[int, dict[str, Any]]:
        response = self.http.get("/health", params={"all": "1"} if all_checks else None)
        return response.status_code, response.json()

    def wait(self, what: str, check: Any, timeout: float = 120) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"laif serve stopped:\n{self.output()[-4000:]}"
            try:
                value = check()
            except httpx.HTTPError:
                value = None
            if value:
                return value
            assert time.monotonic() < deadline, f"waited {timeout} s for {what}:\n" \
                                                f"{self.output()[-4000:]}"
            time.sleep(0.5)

    def token(self, email: str, password: str) -> str:
        response = self.http.post("/api/auth/token", json={
            "email": email, "password": password, "name": "test"})
        assert response.status_code == 201, response.text
        token: str = response.json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        return token

    def ctrl_c(self, timeout: float = 40) -> tuple[int, float]:
        """SIGINT to the whole foreground process group, as a terminal's Ctrl-C; the exit status
        and how long it took. Fails if a process of the platform is left afterwards."""
        start = time.monotonic()
        os.killpg(self.process.pid, signal.SIGINT)
        code = self.process.wait(timeout=timeout)
        deadline = time.monotonic() + 10
        while (left := marked_processes(self.mark)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"processes left after Ctrl-C: {left}\n{self.output()[-3000:]}"
        return code, time.monotonic() - start


@contextmanager
def platform(env: dict[str, str], data: Path, *, workers: int = 2) -> Iterator[Platform]:
    """``laif serve`` in a session of its own, on a free port; killed (with everything it
    started) if the test fails before stopping it."""
    port = free_port()
    mark = uuid.uuid4().hex
    log = data / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(LAIF), "serve", "--addr", f"127.0.0.1:{port}", "--workers", str(workers)],
            env={**env, MARK: mark}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    running = Platform(f"http://127.0.0.1:{port}", process, log, mark)
    try:
        running.wait("the web server", lambda: running.health()[0] in (200, 503))
        yield running
    finally:
        running.http.close()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        for pid in marked_processes(mark):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
