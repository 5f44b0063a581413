"""Scheduler directives in a member's script (laif.jobs.script, pure): what sbatch would
read as options is refused, line by line, however it is written; harmless lines are kept."""

from __future__ import annotations

import pytest

from laif.jobs.script import arguments, refused_lines

SHEBANG = "#!/bin/bash\n"

# Each of these, as a line of a script, makes sbatch (or a sloppier reading of it) ask for
# resources or options the platform did not grant.
ATTACKS = [
    "#SBATCH --gres=gpu:4",
    "#SBATCH --gres gpu:4",
    "#SBATCH -G 4",
    "#SBATCH -G4",
    "#SBATCH --gpus=4",
    "#SBATCH --gpus-per-node=4",
    "#SBATCH --gpus-per-task=2",
    "#SBATCH --gpus-per-socket=2",
    "#SBATCH --cpus-per-gpu=16",
    "#SBATCH --mem-per-gpu=100G",
    "#SBATCH --tres-per-task=gres/gpu:2",
    "#SBATCH -N 4",
    "#SBATCH -N4",
    "#SBATCH --nodes=2",
    "#SBATCH -n 64",
    "#SBATCH --ntasks=64",
    "#SBATCH --ntasks-per-node=8",
    "#SBATCH -c 32",
    "#SBATCH --cpus-per-task=32",
    "#SBATCH --mem=500G",
    "#SBATCH --mem-per-cpu=8G",
    "#SBATCH -t 2-00:00:00",
    "#SBATCH --time=9999",
    "#SBATCH -p gpu-dev",
    "#SBATCH --partition=gpu-dev",
    "#SBATCH -A someone_else",
    "#SBATCH --account=someone_else",
    "#SBATCH -q normal",
    "#SBATCH --qos=normal",
    "#SBATCH -a 0-9%2",
    "#SBATCH --array=0-9",
    "#SBATCH --exclusive",
    "#SBATCH --nodelist=node001",
    "#SBATCH -w node001",
    "#SBATCH --reservation=maintenance",
    "#SBATCH --uid=0",
    "#SBATCH --gid=0",
    "#SBATCH --export=ALL",
    "#SBATCH --export-file=/etc/environment",
    "#SBATCH --chdir=/root",
    "#SBATCH -D /",
    "#SBATCH --get-user-env",
    "#SBATCH --priority=99999",
    "#SBATCH --nice=-10000",
    "#SBATCH --hold",
    "#SBATCH -H",
    "#SBATCH --wait",
    "#SBATCH --test-only",
    "#SBATCH --requeue",
    "#SBATCH --clusters=other",
    "#SBATCH -M other",
    "#SBATCH --licenses=matlab:10",
    "#SBATCH --tmp=1T",
    "#SBATCH --constraint=h200",
    "#SBATCH --error=/tmp/x",
    "#SBATCH --comment=laif-feedface-1",
    "#SBATCH --gre=gpu:4",  # an abbreviation getopt accepts when it is unambiguous
    "#SBATCH --ntasks-per-no=2",
    "#SBATCH --job-name=x --gres=gpu:4",  # several options on one line
    "#SBATCH -J x -G 4",
    "#SBATCH -vG4",  # grouped short options
    '#SBATCH "--gres=gpu:4"',  # quotes are removed
    "#SBATCH \\-\\-gres=gpu:4",  # so are backslashes
    "#SBATCH --job-name='a b' --exclusive",
    "#SBATCH--gres=gpu:4",  # no blank after the magic word
    "#SBATCHX --gres=gpu:4",
    "#SLURM --gres=gpu:4",  # the old magic word, still read by sbatch 22.05
    "#sbatch --gres=gpu:4",  # letter case
    "#Sbatch --gres=gpu:4",
    "  #SBATCH --gres=gpu:4",  # leading blanks
    "\t#SBATCH --gres=gpu:4",
    "\ufeff#SBATCH --gres=gpu:4",  # a byte-order mark
    "#SBATCH --gres=gpu:4\r",  # a CR line end
    "#SBATCH hetjob",  # another component of a heterogeneous job
    "#SBATCH -J my_packjob_name",
    "#SBATCH gpu:4",  # a stray word
    "#SBATCH -- --gres=gpu:4",
    "#SBATCH --job-name",  # an option without its value
]


@pytest.mark.parametrize("line", ATTACKS)
def test_each_directive_that_asks_for_anything_is_refused_with_its_line(line: str) -> None:
    script = SHEBANG + "# set up\n\n" + line + "\necho hi\n"
    refused = refused_lines(script)
    assert [r.number for r in refused] == [4], refused
    assert refused[0].text == line.rstrip()


def test_directives_anywhere_are_refused_even_after_the_first_command() -> None:
    script = SHEBANG + "echo start\n#SBATCH --gres=gpu:4\ncat <<EOF\n#SBATCH -N 2\nEOF\n"
    assert [r.number for r in refused_lines(script)] == [3, 5]


def test_harmless_lines_are_kept() -> None:
    script = SHEBANG + "\n".join([
        "#SBATCH --job-name=resnet",
        "#SBATCH -J resnet -o out.txt",
        "#SBATCH --output=%x-%j.out --open-mode=append",
        "#SBATCH --signal=B:USR1@60  # checkpoint before the limit",
        "#SBATCH -Jresnet",
        "#SBATCH",
        "#SBATCH # only a comment --gres=gpu:4",
        "# SBATCH --gres=gpu:4 (a comment: sbatch ignores it)",
        "## SBATCH --gres=gpu:4",
        "echo '#SBATCH --gres=gpu:4'",
        "python train.py --gres=gpu:4",
    ]) + "\n"
    assert refused_lines(script) == []


def test_the_first_refused_argument_is_named() -> None:
    (line,) = refused_lines("#SBATCH -J ok --exclusive --gres=gpu:4\n")
    assert (line.number, line.argument) == (1, "--exclusive")
    (line,) = refused_lines("#SBATCH -J x hetjob\n")
    assert line.argument == "hetjob"


def test_a_long_line_is_shown_cut() -> None:
    (line,) = refused_lines("#SBATCH --comment=" + "x" * 500 + "\n")
    assert len(line.text) == 120


@pytest.mark.parametrize(("text", "expected"), [
    (" --gres=gpu:4 -N 1", ["--gres=gpu:4", "-N", "1"]),
    (' -J "a b" --x', ["-J", "a b", "--x"]),
    (" -J 'it''s'", ["-J", "its"]),
    (" \\-\\-gres=gpu:1", ["--gres=gpu:1"]),
    (' -J "a#b" # --mem=1', ["-J", "a#b"]),
    (" -J a\\#b", ["-J", "a#b"]),
    (" -J a#b --mem=1", ["-J", "a"]),
    ("\t-N\v1\f", ["-N", "1"]),
    ("", []),
    ("   # just a comment", []),
])
def test_arguments_are_split_as_sbatch_splits_them(text: str, expected: list[str]) -> None:
    assert arguments(text) == expected
