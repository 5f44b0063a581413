"""The web process's warm-up (laif.ops.warmup): what a worker's first visitor used to wait for is
loaded once, without touching the database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import Engine
from django.template.loaders.cached import Loader as CachedLoader
from django.test.utils import CaptureQueriesContext

from laif.ops import warmup


def _cached_names() -> set[str]:
    loaders = Engine.get_default().template_loaders
    cached = [loader for loader in loaders if isinstance(loader, CachedLoader)]
    assert cached, "the template engine has no cached loader"
    return {key.split("-")[0] for loader in cached for key in loader.get_template_cache}


@pytest.mark.django_db
def test_warm_up_compiles_the_templates_and_asks_the_database_nothing() -> None:
    for loader in Engine.get_default().template_loaders:
        loader.reset()
    assert "compute/usage.html" not in _cached_names()
    with CaptureQueriesContext(connection) as queries:
        done = warmup.warm_up()
    assert len(queries) == 0  # nothing opened before gunicorn forks its workers
    assert done.languages == 2
    assert done.routes > 50
    names = _cached_names()
    assert done.templates == len(warmup.template_names()) > 50
    assert {"compute/usage.html", "accounts/login.html", "base.html"} <= names
