"""gunicorn's configuration (``gunicorn -c python:laif.config.gunicorn laif.config.wsgi``), used
by ``laif serve`` and by the ``laif-web`` systemd unit (deploy/systemd/).

Its own variables are validated like the settings' (``laif.config.env``): ``LAIF_BIND``,
``LAIF_WEB_WORKERS``, ``LAIF_WEB_TIMEOUT``. Request metrics are shared by the workers through
``PROMETHEUS_MULTIPROC_DIR`` (a directory under ``$LAIF_DATA_DIR`` unless set), emptied at start.
There is no access log: the platform logs each request itself, by route, never by path (links
carry secrets).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from laif.config.env import Env, format_errors
from laif.ops.logs import logging_config

_env = Env(os.environ)
_default_workers = min(2 * (os.cpu_count() or 1) + 1, 8)
bind = [_env.str("LAIF_BIND", "127.0.0.1:8000")]
workers = _env.int("LAIF_WEB_WORKERS", _default_workers, minimum=1, maximum=64)
timeout = _env.int("LAIF_WEB_TIMEOUT", 60, minimum=5, maximum=3600)
graceful_timeout = 10
preload_app = True  # load Django once, then fork: faster start, shared memory
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108
accesslog = None
_production = _env.choice("LAIF_ENV", "development", ("development", "production", "test")) \
    == "production"
_format = _env.choice("LAIF_LOG_FORMAT", "json" if _production else "text", ("text", "json"))
logconfig_dict = logging_config(fmt=_format, level="info", extra_loggers=("gunicorn.error",))
if _env.errors:
    sys.stderr.write(format_errors(_env.errors) + "\n")
    raise SystemExit(2)

_data = Path(_env.str("LAIF_DATA_DIR", str(Path(__file__).resolve().parents[3] / "var")))
_metrics_dir = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                                          str(_data / "prometheus")))


def on_starting(server: Any) -> None:
    """A fresh directory for the workers' metric files (a previous run's would add up)."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
control_socket_disable = True


def when_ready(server: Any) -> None:
    """Before the workers are forked: URL patterns, catalogues and templates loaded once in the
    preloaded application (laif.ops.warmup), so no worker's first visitor waits for them."""
    from laif.ops.warmup import warm_up

    warm_up()
