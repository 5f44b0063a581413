from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import Client, override_settings
from django.test.testcases import LiveServerThread
from django.utils import translation
from pytest_django import Settings

from laif.accounts.models import User
from tests.api_support import Api, token_for
from tests.factories import World, make_world
from tests.slurm_support import slurm_unavailable_reason, unavailable

if TYPE_CHECKING:
    from tests.oidc_support import MockProvider


class _OneRequestAtATime(ThreadedWSGIServer):
    """The live server's threads share the test database's connection (an in-memory SQLite
    database is only reachable through it): two requests at once on one sqlite3 connection
    can deadlock (seen in CI: a page and the htmx fragment it loads, each waiting in SQLite for
    ever). Each request's application call, response included, runs alone; connections (and
    their keep-alive waits) stay threaded, so an idle connection blocks no other request."""

    _lock = threading.Lock()

    def get_app(self) -> Any:
        app = super().get_app()
        assert app is not None  # set by LiveServerThread before it serves

        def one_at_a_time(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            with self._lock:
                response = app(environ, start_response)
                try:
                    return list(response)
                finally:
                    close = getattr(response, "close", None)
                    if close is not None:
                        close()

        return one_at_a_time


LiveServerThread.server_class = _OneRequestAtATime


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Slurm tests need the test cluster: skipped without it, failed if LAIF_REQUIRE_SLURM=1."""
    if item.get_closest_marker("slurm") is not None:
        reason = slurm_unavailable_reason()
        if reason is not None:
            unavailable(reason)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the site's default language. A request leaves its language active in
    the thread (``LocaleMiddleware``), and what services do outside a request depends on it (the
    language a new account keeps, the language of error messages)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def audit_anchor_file(settings: Settings, tmp_path: Path) -> Path:
    """Each test has its own audit anchor file (none until something anchors the log)."""
    path = tmp_path / "audit-anchors.log"
    settings.LAIF_AUDIT_ANCHOR_FILE = path
    return path


@pytest.fixture(scope="session", autouse=True)
def _sandbox_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The data sandboxes' encrypted files and master key file of the test run: outside the
    repository's var/ (each test's own rows point at files here; nothing else reads them)."""
    root = tmp_path_factory.mktemp("sandbox")
    with override_settings(LAIF_SANDBOX_DIR=root / "files",
                           LAIF_SANDBOX_KEY_FILE=root / "master.key",
                           LAIF_SANDBOX_RELEASES_DIR=root / "releases",
                           LAIF_SIGNING_KEY_FILE=root / "signing.key"):
        yield


@pytest.fixture(autouse=True)
def govern_dir(settings: Settings, tmp_path: Path) -> Path:
    """Each test has its own folder of drift profiles."""
    path = tmp_path / "govern"
    settings.LAIF_GOVERN_DIR = path
    return path


@pytest.fixture(autouse=True)
def registry_dir(settings: Settings, tmp_path: Path) -> Path:
    """Each test has its own folder of model artefacts."""
    path = tmp_path / "registry"
    settings.LAIF_REGISTRY_DIR = path
    return path


@pytest.fixture(autouse=True)
def sandbox_dir(settings: Settings, tmp_path: Path) -> Path:
    """Each test has its own folder of sandbox files (the master key file is the run's)."""
    path = tmp_path / "sandbox"
    settings.LAIF_SANDBOX_DIR = path
    settings.LAIF_SANDBOX_RELEASES_DIR = tmp_path / "releases"
    return path


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture
def client_for() -> Callable[[User | None], Client]:
    """A Django test client logged in as the given user (or anonymous for None)."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def api_as() -> Callable[[User | None], Api]:
    """A JSON client with a Bearer token of the given user (none for anonymous), as the CLI."""

    def make(user: User | None) -> Api:
        return Api(token_for(user) if user is not None else None)

    return make


# --- OpenID Connect: the provider, started once per session by the first test that asks -------

@pytest.fixture(scope="session")
def mock_provider() -> Iterator[MockProvider]:
    from tests.oidc_support import MockProvider

    provider = MockProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def idp(settings: Settings, mock_provider: MockProvider) -> Iterator[MockProvider]:
    from tests.oidc_login import configure_oidc

    configure_oidc(settings, mock_provider.issuer)
    mock_provider.reset()
    yield mock_provider
    mock_provider.reset()
