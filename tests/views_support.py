"""What the page tests share: a client per person, the page's text, quick password hashing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from laif.accounts.models import User

ClientFor = Callable[[User | None], Client]


@pytest.fixture(autouse=True)
def fast_hashers(settings: Any) -> None:
    """Autouse in the modules that import it: logins in page tests without a slow hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def html(response: Any) -> str:
    return str(response.content.decode())
