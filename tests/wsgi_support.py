"""Calling the raw WSGI application inside a test: a real server closes the database connection
at the end of each request (``close_old_connections`` on request_started/finished), which would end
the test's transaction. Django's own test client disconnects them too; so do these helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@contextmanager
def connections_kept_open() -> Iterator[None]:
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
