"""How a run ended, from the platform's or Slurm's state (issue 22, point 2), and a script's line
endings (point 1): pure rules."""

from __future__ import annotations

import pytest

from laif.jobs.script import refused_lines, unix_line_endings
from laif.usage.outcome import Outcome, outcome_of


@pytest.mark.parametrize(("state", "outcome"), [
    ("pending", Outcome.ACTIVE), ("RUNNING", Outcome.ACTIVE), ("queued", Outcome.ACTIVE),
    ("unknown", Outcome.ACTIVE), ("REQUEUED", Outcome.ACTIVE), ("SUSPENDED", Outcome.ACTIVE),
    ("COMPLETED", Outcome.COMPLETED), ("completed", Outcome.COMPLETED),
    ("CANCELLED", Outcome.CANCELLED), ("CANCELLED by 1234", Outcome.CANCELLED),
    ("FAILED", Outcome.FAILED), ("TIMEOUT", Outcome.FAILED), ("OUT_OF_MEMORY", Outcome.FAILED),
    ("NODE_FAIL", Outcome.FAILED), ("PREEMPTED", Outcome.FAILED), ("refused", Outcome.FAILED),
    ("lost", Outcome.FAILED), ("", Outcome.FAILED),
])
def test_the_outcome_of_a_state(state: str, outcome: Outcome) -> None:
    assert outcome_of(state) is outcome


def test_windows_and_old_mac_line_endings_become_unix_ones() -> None:
    assert unix_line_endings("#!/bin/bash\r\necho a\r\n") == "#!/bin/bash\necho a\n"
    assert unix_line_endings("echo a\recho b\r\n\r\n") == "echo a\necho b\n\n"
    # a directive hidden behind a lone CR is a line of its own, and refused
    script = unix_line_endings("#!/bin/bash\r#SBATCH --uid=0\necho hi\n")
    assert [line.number for line in refused_lines(script)] == [2]
