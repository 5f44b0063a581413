"""Reading a job's output files without trusting them (pure Python, no Django).

The job's directory belongs to the job's user, who may put anything there under an output
file's name: a link to ``/proc/self/environ`` or to another person's file, ``/dev/zero``, a FIFO,
a directory, a sparse file of terabytes. The reader therefore

- opens the job's directory itself without following a link (``O_DIRECTORY | O_NOFOLLOW``), then
  each file relative to it (``dir_fd``) without following a link and without blocking
  (``O_NOFOLLOW | O_NONBLOCK | O_NOCTTY``);
- shows a file only if ``fstat`` says it is a regular file owned by the uid the job ran as, the
  same file that was listed; any other is named in ``JobOutput.refused`` and not read;
- reads only the tail: never more than ``max_bytes`` of data in memory for all files together,
  with ``pread`` from the end (a sparse 10 GB file costs one read of ``max_bytes``).

Output files are ``output.txt`` (one task) or ``output-<task>.txt`` (each task of an array), in
task order; other names are not output and are ignored.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

OUTPUT_NAME = "output.txt"
MAX_FILES = 2000  # an array has at most 1000 tasks; more names than this are not looked at
_NAME = re.compile(r"output(?:-(\d{1,7}))?\.txt")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def output_name(task: int | None) -> str:
    """The output file of a job (``None``) or of one task of an array."""
    return OUTPUT_NAME if task is None else f"output-{task}.txt"


@dataclass(frozen=True)
class JobOutput:
    """The tail of a job's output. ``refused``: output files that were not shown because they
    are not regular files of the job (links, devices, FIFOs, directories, another user's files);
    ``truncated``: earlier output was left out to stay within the size; ``bad_directory``: the
    job's directory is not a directory (a link, say), so nothing was read."""

    text: str = ""
    refused: tuple[str, ...] = ()
    truncated: bool = False
    bad_directory: bool = False


def _order(name: str) -> tuple[int, str]:
    match = _NAME.fullmatch(name)
    task = match.group(1) if match else None
    return (int(task) if task is not None else -1, name)


def _listing(dir_fd: int) -> tuple[list[str], bool]:
    names: list[str] = []
    with os.scandir(dir_fd) as entries:
        for entry in entries:
            if _NAME.fullmatch(entry.name):
                if len(names) == MAX_FILES:
                    return sorted(names, key=_order), True
                names.append(entry.name)
    return sorted(names, key=_order), False


def _is_jobs(st: os.stat_result, uid: int) -> bool:
    return stat.S_ISREG(st.st_mode) and st.st_uid == uid


def _tail(dir_fd: int, name: str, listed: os.stat_result, uid: int, want: int) -> bytes | None:
    """The last ``want`` bytes of the file, or None when it is not the job's regular file."""
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not _is_jobs(st, uid) or (st.st_dev, st.st_ino) != (listed.st_dev, listed.st_ino):
            return None
        size = st.st_size
        offset = max(size - want, 0)
        chunks: list[bytes] = []
        left = min(want, size)
        while left > 0:
            chunk = os.pread(fd, min(left, 1 << 20), offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def read_output(workdir: Path, *, uid: int, max_bytes: int = 1_000_000) -> JobOutput:
    """The job's output files (array tasks in task order), the last ``max_bytes`` of them, each
    under a ``==> name <==`` line when there are several."""
    try:
        dir_fd = os.open(workdir, _DIR_FLAGS)
    except FileNotFoundError:
        return JobOutput()
    except OSError:  # a link (ELOOP), not a directory, not readable
        return JobOutput(bad_directory=True)
    try:
        names, too_many = _listing(dir_fd)
        listed: list[tuple[str, os.stat_result]] = []
        refused: list[str] = []
        for name in names:
            try:
                st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except OSError:
                continue  # gone since the listing
            if _is_jobs(st, uid):
                listed.append((name, st))
            else:
                refused.append(name)
        # the budget goes to the last files first: the output's tail
        budget = max(max_bytes, 0)
        wants: list[int] = []
        for _name, st in reversed(listed):
            take = min(st.st_size, budget)
            wants.append(take)
            budget -= take
        wants.reverse()
        truncated = too_many or sum(st.st_size for _n, st in listed) > sum(wants)
        parts: list[bytes] = []
        headers = len(listed) > 1
        for (name, st), want in zip(listed, wants, strict=True):
            if want == 0 and st.st_size > 0:
                continue  # before the tail that is shown
            data = _tail(dir_fd, name, st, uid, want) if want else b""
            if data is None:
                refused.append(name)
                continue
            if headers:
                parts.append(f"==> {name} <==\n".encode())
            parts.append(data)
    finally:
        with contextlib.suppress(OSError):
            os.close(dir_fd)
    blob = b"".join(parts)
    if len(blob) > max_bytes:
        blob, truncated = blob[-max_bytes:], True
    return JobOutput(text=blob.decode("utf-8", errors="replace"),
                     refused=tuple(sorted(refused, key=_order)), truncated=truncated)
