"""axe-core (shipped inside the axe-playwright-python wheel, so it runs offline) on the page a
test has open: the serious and critical violations, each as one readable line.

A run is bounded: one that does not answer within ``TIMEOUT_MS`` is tried once more (a CI run
once waited forever on an ``evaluate`` that never returned), then fails the test."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Page

TIMEOUT_MS = 20_000

_RUN = """(timeout) => Promise.race([
  axe.run(document, {resultTypes: ["violations"]}),
  new Promise((resolve) => setTimeout(() => resolve(null), timeout)),
])"""


def serious_violations(page: Page) -> list[str]:
    for _attempt in range(2):
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            page.evaluate(AXE_SCRIPT)
        result: dict[str, Any] | None = page.evaluate(_RUN, TIMEOUT_MS)
        if result is not None:
            return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
                    for v in result["violations"] if v["impact"] in ("serious", "critical")]
    raise AssertionError(f"axe-core did not answer twice in {TIMEOUT_MS} ms on {page.url}")
