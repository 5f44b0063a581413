"""The jobs root and each job's directory, made so that the platform never writes through a link
a user placed (pure Python, no Django).

- The jobs root (``LAIF_JOBS_DIR``) belongs to the platform's user, mode 0711: users pass through
  it to their job's directory but cannot list it or create anything in it. An existing root that
  belongs to someone else is refused; the mode of the platform's own is set to 0711.
- Each job's directory is made with ``mkdir`` (mode 0700) inside the root, opened without
  following a link, and given to the job's user last (when the platform runs as root). Since only
  the platform creates entries in the root, a directory already there was made by an earlier
  attempt to submit the same job (a dispatch retried after the scheduler did not answer): it is
  adopted, but first taken back (owner root, 0700) so that its user cannot add anything while
  the platform writes; the platform's files are written with ``O_CREAT | O_EXCL | O_NOFOLLOW``
  after removing any entry of the same name.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

from laif.cluster.scheduler.base import SchedulerUnavailable, SubmitRefused

ROOT_MODE = 0o711
JOB_MODE = 0o700
FILE_MODE = 0o644
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


@contextlib.contextmanager
def _opened(path: str | Path, *, dir_fd: int | None = None) -> Iterator[int]:
    fd = os.open(path, _DIR, dir_fd=dir_fd)
    try:
        yield fd
    finally:
        os.close(fd)


def prepare_root(root: Path) -> None:
    """Make the jobs root (mode 0711, the platform's) or check and tighten an existing one."""
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(root, ROOT_MODE)
        with _opened(root) as fd:
            st = os.fstat(fd)
            if st.st_uid != os.geteuid():
                raise SchedulerUnavailable(
                    f"the jobs directory {root} belongs to uid {st.st_uid}, not to the "
                    f"platform's user (uid {os.geteuid()}): it is not used")
            if stat.S_IMODE(st.st_mode) != ROOT_MODE:
                os.fchmod(fd, ROOT_MODE)
    except OSError as exc:
        raise SchedulerUnavailable(
            f"the jobs directory {root} cannot be used ({exc.strerror or exc})") from exc


def make_job_dir(root: Path, name: str, *, uid: int, gid: int,
                 files: Mapping[str, bytes] | None = None) -> Path:
    """The job's directory ``root/name`` with the platform's ``files`` in it (mode 0644), then
    given to ``uid:gid`` (mode 0700) when the platform runs as root."""
    if not name or name in (".", "..") or "/" in name or name.startswith("."):
        raise SubmitRefused(f"not a job directory name: {name!r}")
    prepare_root(root)
    as_root = os.geteuid() == 0
    try:
        with _opened(root) as root_fd:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, JOB_MODE, dir_fd=root_fd)
            try:
                fd = os.open(name, _DIR, dir_fd=root_fd)
            except OSError as exc:
                raise SubmitRefused(f"the job's directory {root / name} exists and is not a "
                                    "directory") from exc
            try:
                _fill(fd, uid=uid, gid=gid, files=files or {}, as_root=as_root)
            finally:
                os.close(fd)
    except OSError as exc:
        raise SchedulerUnavailable(
            f"the job's directory cannot be prepared ({exc.strerror or exc})") from exc
    return root / name


def _fill(fd: int, *, uid: int, gid: int, files: Mapping[str, bytes], as_root: bool) -> None:
    st = os.fstat(fd)
    if st.st_uid not in (os.geteuid(), uid):
        raise SubmitRefused(f"the job's directory belongs to uid {st.st_uid}")
    if as_root:
        os.fchown(fd, 0, 0)  # taken back: nobody else adds anything while the platform writes
    os.fchmod(fd, JOB_MODE)
    for name, content in files.items():
        _write_new(fd, name, content)
    if as_root:
        os.fchown(fd, uid, gid)


def refuse_root(uid: int, gid: int) -> None:
    """A job never runs as root, whatever its spec says."""
    if uid == 0 or gid == 0:
        raise SubmitRefused("a job never runs as root")


def _write_new(dir_fd: int, name: str, content: bytes) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)  # an entry left by an earlier attempt; a link is removed
    except FileNotFoundError:
        pass
    except IsADirectoryError as exc:
        raise SubmitRefused(f"{name} in the job's directory is a directory") from exc
    fd = os.open(name, _NEW, FILE_MODE, dir_fd=dir_fd)
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
