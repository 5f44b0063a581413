"""Scheduler directives in a member's batch script (pure, no Django): the lines the platform
refuses, because a job's resources and options come from the platform only (ADR 0010).

How sbatch 22.05 reads a script (``src/sbatch/opt.c``; checked with ``sbatch -vvvv --test-only``,
which prints each argument it finds): lines are split on ``\\n`` only; a line that starts, in its
first column, with exactly ``#SBATCH`` or ``#SLURM`` is a directive, with no word boundary
(``#SBATCH--gres=gpu:1`` is one); the rest of the line is split like a command line: blanks
separate, ``"..."`` and ``'...'`` group, a backslash escapes the next character, an unescaped
``#`` starts a comment; long options may be abbreviated (``--gre``) and written ``--opt=value``
or ``--opt value``, short ones grouped (``-N1``); a line that contains ``hetjob`` or ``packjob``
anywhere starts another component of a heterogeneous job; scanning stops at the first line whose
first non-blank character is not ``#``. Command-line options win over directives, but not every
directive has a command-line twin that cancels it (``--gpus`` beside ``--gres``, ``--array``,
``--exclusive``, ``--hold`` ...), and sbatch runs as root on the platform, so directives such
as ``--uid``, ``--priority`` or ``--nice=-10000`` would be honoured.

The platform is stricter than sbatch on purpose, so that no reading of the script it missed can
turn a directive on:
- every line is looked at, also after the first command, with leading blanks or a byte-order
  mark, and ``#sbatch``/``#Slurm`` in any letter case;
- an allow-list, not a deny-list: a directive line is accepted only when every argument on it is
  one of ``ALLOWED``, options the platform sets itself on the command line or that change no
  resource, identity, environment, file, priority or accounting (and written in full: an
  abbreviation, an unknown option, an empty or stray argument is refused);
- any line with ``hetjob`` or ``packjob`` in it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

MAGIC_WORDS = ("#sbatch", "#slurm")
HETJOB_WORDS = ("hetjob", "packjob")
# Accepted on a directive line, each with an argument: the job name and the output file (the
# platform passes both on the command line, which wins), the signal sent before the time limit
# and how the output file is opened.
ALLOWED_LONG = frozenset({"job-name", "output", "signal", "open-mode"})
ALLOWED_SHORT = frozenset({"J", "o"})
C_SPACE = " \t\n\v\f\r"  # what C's isspace() calls blank (sbatch's tokenizer)
SHOWN_CHARS = 120


@dataclass(frozen=True)
class RefusedLine:
    """A directive line the platform refuses: its number (from 1), the line as written (cut to
    ``SHOWN_CHARS``), and the first argument refused on it (or "hetjob")."""

    number: int
    text: str
    argument: str


def arguments(text: str) -> list[str]:
    """The arguments of a directive line after its magic word, split as sbatch splits them
    (blanks separate, quotes group, a backslash escapes, an unescaped ``#`` ends the line). An
    empty quoted argument is kept (sbatch stops reading the line there; the platform reads on)."""
    found: list[str] = []
    i = 0
    while i < len(text):
        while i < len(text) and text[i] in C_SPACE:
            i += 1
        if i >= len(text) or text[i] == "#":
            break
        current: list[str] = []
        quote = ""
        escaped = False
        while i < len(text) and (quote or text[i] not in C_SPACE):
            char = text[i]
            i += 1
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
                continue
            elif quote:
                if char == quote:
                    quote = ""
                    continue
            elif char in "\"'":
                quote = char
                continue
            elif char == "#":
                i -= 1  # a comment: the rest of the line is not read
                break
            current.append(char)
        found.append("".join(current))
        if i < len(text) and text[i] == "#":
            break
    return found


def first_refused(args: list[str]) -> str | None:
    """The first argument of a directive line that is not an allowed option with its value, or
    None when all of them are."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--") and len(arg) > 2:
            name, equals, _value = arg[2:].partition("=")
            if name not in ALLOWED_LONG:
                return arg
            if not equals:
                if i + 1 >= len(args):
                    return arg  # its value is missing
                i += 1
        elif arg.startswith("-") and len(arg) > 1 and arg != "--":
            letter = arg[1]
            if letter not in ALLOWED_SHORT:
                return arg
            if len(arg) == 2:  # the value is the next argument, as getopt takes it
                if i + 1 >= len(args):
                    return arg
                i += 1
        else:
            return arg or '""'  # not an option: sbatch refuses it, the platform too
        i += 1
    return None


def _directive_text(line: str) -> str | None:
    """What follows the magic word when the line is a directive for the platform's reading."""
    stripped = line.lstrip("\ufeff").lstrip().lstrip("\ufeff")
    lowered = stripped.lower()
    for word in MAGIC_WORDS:
        if lowered.startswith(word):
            return stripped[len(word):]
    return None


def refused_lines(script: str) -> list[RefusedLine]:
    """Every directive line of the script the platform refuses, in order."""
    refused: list[RefusedLine] = []
    for number, line in enumerate(script.split("\n"), start=1):
        text = _directive_text(line)
        if text is None:
            continue
        shown = line.rstrip()[:SHOWN_CHARS]
        if any(word in line.lower() for word in HETJOB_WORDS):
            refused.append(RefusedLine(number, shown, "hetjob"))
            continue
        argument = first_refused(arguments(text))
        if argument is not None:
            refused.append(RefusedLine(number, shown, argument))
    return refused


def unix_line_endings(script: str) -> str:
    """The script with Windows (CR LF) and old Mac (CR) line endings as Unix ones (LF): bash
    reads a CR as part of the command (``$'\\r': command not found``) and sbatch refuses a
    script with CR LF. A browser sends a form's text area in CR LF whatever was typed."""
    return script.replace("\r\n", "\n").replace("\r", "\n")
