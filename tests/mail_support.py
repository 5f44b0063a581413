"""Reading the links out of the mails the platform sends."""

from __future__ import annotations

import re

from django.conf import settings


def link_path(body: object, prefix: str) -> str:
    """The path of the first link to the site in ``body`` that starts with ``prefix``."""
    body = str(body)
    pattern = re.escape(settings.LAIF_SITE_URL) + r"(" + re.escape(prefix) + r"[^\s]*)"
    found = re.search(pattern, body)
    assert found is not None, f"no {prefix} link in:\n{body}"
    return found.group(1)
