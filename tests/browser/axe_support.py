"""axe-core (shipped inside the axe-playwright-python wheel, so it runs offline) on the page a
test has open: the serious and critical violations, each as one readable line."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

_AXE = Axe()


def serious_violations(page: Page) -> list[str]:
    found = _AXE.run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
            for v in found if v["impact"] in ("serious", "critical")]
