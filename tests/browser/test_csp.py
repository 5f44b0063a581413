"""The content security policy in a real Chromium: the portal's pages (with htmx), the API docs
and the Django admin work without a single violation, since none of them needs inline script,
inline style or eval; and the policy does block an inline script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from laif.accounts.models import User
from laif.ops.beats import WORKER, beat_record
from tests.browser.test_journey import log_in, shot
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.browser


def _violations(page: Page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text else None)
    return found


def test_pages_docs_and_admin_run_under_the_policy(page: Page, live_server: Any, world: World,
                                                   shots_dir: Path) -> None:
    base = live_server.url
    violations = _violations(page)
    beat_record(WORKER)
    page.goto(f"{base}/login/")
    log_in(page, base, world.operator.email)
    # the dashboard loads the background work with htmx
    expect(page.locator("#background-work")).to_contain_text("Task worker")
    page.goto(f"{base}/staff/background/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Background work")
    shot(page, shots_dir, "background-work")
    page.goto(f"{base}/api/docs")
    expect(page.locator(".swagger-ui .info")).to_be_visible()
    shot(page, shots_dir, "api-docs")
    User.objects.create_superuser("root@ai-factory.lu", PASSWORD)
    page.goto(f"{base}/django-admin/login/")
    page.locator("#id_username").fill("root@ai-factory.lu")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    page.goto(f"{base}/django-admin/accounts/user/")
    expect(page.locator("#result_list")).to_be_visible()
    assert violations == []

    # the policy is enforced: an injected inline script does not run
    page.goto(f"{base}/login/")
    page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.injected = 1'; document.body.appendChild(s); }""")
    assert page.evaluate("() => window.injected === undefined")
    assert any("script-src" in v for v in violations)
