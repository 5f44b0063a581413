"""Run work in several threads released at the same moment, each with its own database
connection: how the PostgreSQL race tests make two requests collide."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

# a race test needs row locks and two real connections: PostgreSQL (SQLite serialises writers)
needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql",
                                    reason="row locks need PostgreSQL (DATABASE_URL)")


def in_threads(count: int, work: Callable[[int], Any],
               expected: tuple[type[BaseException], ...] = ()) -> list[Any]:
    """``work(i)`` in ``count`` threads released together. An exception of an ``expected`` type
    is returned in that thread's slot; any other is re-raised here (the first one)."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except expected as exc:
            results[i] = exc
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    if errors:
        raise errors[0]
    return results
