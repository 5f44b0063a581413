"""The usage ledger reads the platform's jobs through the one reader the jobs app registers: with
none, a balance cannot be computed (raises) rather than counting no jobs reserved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import pytest

from laif.usage import hooks
from laif.usage.hooks import FinishedRun, LocalRun


class Reader:
    def __init__(self, reserved: int) -> None:
        self.reserved = reserved

    def reserved_gpu_minutes(self, allocation_ids: Sequence[int]) -> dict[int, int]:
        return dict.fromkeys(allocation_ids, self.reserved)

    def finished_runs(self, allocation_ids: Sequence[int],
                      ingested_until: Mapping[str, datetime]) -> list[FinishedRun]:
        return []

    def local_runs(self, since: datetime, until: datetime) -> list[LocalRun]:
        return []


def test_without_a_registered_reader_asking_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "_readers", [])
    with pytest.raises(RuntimeError, match="no JobsReader"):
        hooks.jobs_reader()


def test_a_second_registration_replaces_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "_readers", [])
    hooks.register_jobs_reader(Reader(1))
    hooks.register_jobs_reader(Reader(7))
    assert hooks.jobs_reader().reserved_gpu_minutes([3]) == {3: 7}
