"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

Never ``playwright install``: the browser is the system one (``apt-get install chromium``).
Screenshots of the main pages go to ``LAIF_SHOTS_DIR`` (default /tmp/laif-shots).
"""

from __future__ import annotations

import os
import re
import shutil
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told otherwise. The ORM is only used for test setup here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("LAIF_CHROMIUM", "/usr/lib/chromium/chromium"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists() or shutil.which("chromium"):
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM)}


@pytest.fixture(scope="session")
def shots_dir() -> Path:
    path = Path(os.environ.get("LAIF_SHOTS_DIR", "/tmp/laif-shots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


class FileMailbox:
    """The mails the live server wrote with Django's file backend (``LAIF_EMAIL_BACKEND=file``),
    read back as a person reads them."""

    def __init__(self, directory: Path, site_url: str) -> None:
        self.directory = directory
        self.site_url = site_url

    def messages(self) -> list[EmailMessage]:
        found: list[EmailMessage] = []
        for path in sorted(self.directory.glob("*.log")):
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if raw.strip():
                    found.append(BytesParser(policy=policy.default).parsebytes(raw.strip()))
        return found

    def link(self, to: str, path_prefix: str) -> str:
        """The newest link to the site under ``path_prefix`` in a mail to ``to``."""
        for message in reversed(self.messages()):
            if to not in str(message["To"]):
                continue
            body = message.get_body(preferencelist=("plain",))
            text = body.get_content() if body is not None else ""
            found = re.search(re.escape(self.site_url + path_prefix) + r"\S*", text)
            if found:
                return found.group(0)
        raise AssertionError(f"no mail to {to} with a {path_prefix} link in {self.directory}")


@pytest.fixture
def mailbox(tmp_path: Path, settings: Any, live_server: Any) -> FileMailbox:
    """Mail goes to files in a temporary folder, and links point at the live server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.LAIF_SITE_URL = live_server.url
    return FileMailbox(tmp_path / "mail", live_server.url)
