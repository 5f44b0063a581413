"""Reading a Slurm daemon's pid file: slurmctld 24.11 rewrites it in place without truncating, so a
restarted daemon with a shorter pid leaves the tail of the old one behind. The test cluster's
scripts and the test helper both read the first line only."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.slurm_support import pid_in

ROOT = Path(__file__).resolve().parents[2]
REWRITTEN = "666\n6\n"  # pid 12346's file after pid 666 wrote over it


def test_the_helper_reads_the_first_line() -> None:
    assert pid_in(REWRITTEN) == 666
    assert pid_in("4242\n") == 4242
    assert pid_in("4242") == 4242


@pytest.mark.parametrize("script", ["cluster.sh", "cluster-24.11.sh"])
def test_the_cluster_scripts_read_the_first_line(script: str, tmp_path: Path) -> None:
    source = (ROOT / "deploy" / "slurm" / script).read_text()
    definition = next(line for line in source.splitlines() if line.startswith("first_pid()"))
    pidfile = tmp_path / "slurmctld.pid"
    pidfile.write_text(REWRITTEN)
    done = subprocess.run(["bash", "-c", f'{definition}\nfirst_pid "$1"', "-", str(pidfile)],
                          capture_output=True, text=True, check=True, timeout=10)
    assert done.stdout == "666"
    done = subprocess.run(["bash", "-c", f'{definition}\nfirst_pid "$1"', "-",
                           str(tmp_path / "absent.pid")],
                          capture_output=True, text=True, check=False, timeout=10)
    assert done.stdout == ""
