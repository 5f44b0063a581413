from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from laif.accounts.models import User
from tests.factories import World, make_world


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
