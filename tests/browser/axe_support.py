"""axe-core (shipped inside the axe-playwright-python wheel, so it runs offline) on the page a
test has open: the serious and critical violations, each as one readable line. A run that does
not answer within ``TIMEOUT_MS`` fails the test instead of hanging it."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Page

TIMEOUT_MS = 30_000

_RUN = """(timeout) => Promise.race([
  axe.run(document, {resultTypes: ["violations"]}),
  new Promise((_, reject) => setTimeout(() => reject(new Error("axe-core did not answer")),
                                        timeout)),
])"""


def serious_violations(page: Page) -> list[str]:
    page.evaluate(AXE_SCRIPT)
    found: list[dict[str, Any]] = page.evaluate(_RUN, TIMEOUT_MS)["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
            for v in found if v["impact"] in ("serious", "critical")]
