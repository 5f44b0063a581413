"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

Never ``playwright install``: the browser is the system one (``apt-get install chromium``).
Screenshots of the main pages go to ``LAIF_SHOTS_DIR`` (default /tmp/laif-shots).
"""

from __future__ import annotations

import os
import shutil
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
