"""The logging configuration (text or JSON lines, each with the request id) and the filter that
keeps secrets of URLs out of the logs.

Links that carry a secret (an invitation, a password reset, an e-mail verification) must never
reach a log: the request log names the route (``invitations/<str:token>/``), never the path, and
:class:`RedactPaths` rewrites the path of Django's own request warnings (``Not Found: ...``) the
same way. The dictionary is built here without Django so that gunicorn's master uses it too.
"""

from __future__ import annotations

import logging
import re
from typing import Any

SECRET_ARGUMENTS = frozenset({"token", "uidb64", "key", "secret", "code", "signature"})
"""URL arguments whose value is never logged (also any whose name contains ``token``)."""
REDACTED = "[redacted]"
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-:.]{16,}")

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s"


def is_secret_argument(name: str) -> bool:
    return name in SECRET_ARGUMENTS or "token" in name


def safe_path(request: Any) -> str:
    """The request's path with the values of secret URL arguments replaced; for a path that
    matches no route, every segment that looks like a token (16 or more URL-safe characters)."""
    path = str(getattr(request, "path", ""))
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            from django.urls import Resolver404, resolve

            match = resolve(getattr(request, "path_info", path))
        except (Resolver404, ImportError):
            match = None
        except Exception:
            match = None
    if match is not None:
        for name, value in match.kwargs.items():
            if is_secret_argument(name) and isinstance(value, str) and value:
                path = path.replace(value, REDACTED)
        return path
    return "/".join(REDACTED if _TOKEN_LIKE.fullmatch(part) else part
                    for part in path.split("/"))


class RequestId(logging.Filter):
    """Adds ``correlation_id``: the request id (django-guid's), or ``-`` outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        from django_guid.context import guid

        record.correlation_id = guid.get() or "-"
        return True


class RedactPaths(logging.Filter):
    """Rewrites the path in records that carry the request (``django.request``,
    ``django.security``): ``Not Found: /invitations/<token>/`` becomes ``.../[redacted]/``."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        raw = getattr(request, "path", None)
        if request is not None and isinstance(raw, str) and isinstance(record.args, tuple):
            safe = safe_path(request)
            if safe != raw:
                record.args = tuple(
                    arg.replace(raw, safe) if isinstance(arg, str) else arg
                    for arg in record.args)
        return True


def logging_config(*, fmt: str, level: str, extra_loggers: tuple[str, ...] = ()) -> dict[str, Any]:
    """``LOGGING`` for Django (and gunicorn): one handler on stderr, text or JSON lines, every
    record with the request id (``-`` outside a request) and secret paths redacted."""
    formatter: dict[str, Any] = (
        {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": JSON_FIELDS,
         "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger",
                           "correlation_id": "request_id"}}
        if fmt == "json" else {"format": TEXT_FORMAT})
    loggers: dict[str, Any] = {
        # Django's default configuration gives "django" a console handler of its own in DEBUG,
        # which would print request warnings unredacted: only the handler below writes.
        "django": {"level": "INFO", "handlers": [], "propagate": True},
        "laif": {"level": level.upper()},
        "django_tasks": {"level": "INFO"},
        "django_tasks_db": {"level": "INFO"},
        "apscheduler": {"level": "WARNING"},
        "django_guid": {"level": "ERROR"},  # it would echo a client's malformed request id
    }
    for name in extra_loggers:
        loggers[name] = {"level": "INFO", "handlers": ["console"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "laif.ops.logs.RequestId"},
            "redact": {"()": "laif.ops.logs.RedactPaths"},
        },
        "formatters": {"laif": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "laif",
                                 "filters": ["request_id", "redact"]}},
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": loggers,
    }
