"""``laif serve``: the whole platform on one machine, in the foreground.

Three processes, as the systemd units run them in production (deploy/systemd/): the web server
(gunicorn), the task worker (django-tasks-db's ``db_worker``) and the schedule
(``manage.py laif_schedule``). honcho runs them, prefixes their output, and stops them all when
one stops or on Ctrl-C / SIGTERM (each in its own process group, so gunicorn's workers go too:
SIGTERM, then SIGKILL after 5 s). A local job already running is not part of the platform: it
goes on, and its result is read when the platform runs again (as with Slurm).
"""

from __future__ import annotations

import os
import shlex
import sys

from honcho.manager import Manager

PROCESSES = ("web", "worker", "schedule")


def commands(*, addr: str, workers: int | None) -> dict[str, str]:
    python = shlex.quote(sys.executable)
    web = (f"exec {python} -m gunicorn -c python:laif.config.gunicorn "
           f"--bind {shlex.quote(addr)} laif.config.wsgi:application")
    if workers is not None:
        web += f" --workers {workers}"
    return {
        "web": web,
        "worker": f"exec {python} -m django db_worker --no-reload --interval 1 "
                  "--queue-name default",
        "schedule": f"exec {python} -m django laif_schedule",
    }


def serve(*, addr: str, workers: int | None = None) -> int:
    """Run the three until one stops or Ctrl-C; the exit status (130 after Ctrl-C)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get(
        "DJANGO_SETTINGS_MODULE", "laif.config.settings"), "PYTHONUNBUFFERED": "1"}
    manager = Manager()
    for name, command in commands(addr=addr, workers=workers).items():
        manager.add_process(name, command, env=env)
    manager.loop()
    return int(manager.returncode or 0)
