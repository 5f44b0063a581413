"""What a web process does once, before it serves: Django loads URL patterns, translation
catalogues and templates on their first use, so without this each of gunicorn's workers made its
first visitor wait about a second (measured on the usage page: 914 ms, then 54 ms once warm).

``warm_up`` runs in gunicorn's master (``when_ready``, ``laif.config.gunicorn``; the application
is preloaded) before the workers are forked: they start with all of it in memory they share.
It touches no database (a connection opened before the fork would be shared by the workers).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template import Engine, TemplateSyntaxError
from django.urls import get_resolver
from django.utils import translation

log = logging.getLogger(__name__)

TEMPLATE_SUFFIXES = (".html", ".txt")


@dataclass(frozen=True)
class WarmUp:
    routes: int
    languages: int
    templates: int
    seconds: float


def template_names() -> list[str]:
    """The platform's own templates, by the names the views use."""
    names: list[str] = []
    for directory in Engine.get_default().dirs:
        root = Path(directory)
        names += sorted(str(path.relative_to(root)) for path in root.rglob("*")
                        if path.suffix in TEMPLATE_SUFFIXES and path.is_file())
    return names


def warm_up() -> WarmUp:
    """Import every view (URL patterns), load every language's catalogue and compile the
    platform's templates into the cached loader. A template that does not compile is logged and
    left to fail where it is used, as it would without this."""
    started = time.perf_counter()
    resolver = get_resolver()
    routes = len(resolver.reverse_dict)  # imports every URLconf and view module
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Log in")  # loads that language's catalogues
    engine = Engine.get_default()
    compiled = 0
    for name in template_names():
        try:
            engine.get_template(name)
        except TemplateSyntaxError as exc:
            log.warning("template %s does not compile: %s", name, exc)
        else:
            compiled += 1
    done = WarmUp(routes=routes, languages=len(settings.LANGUAGES), templates=compiled,
                  seconds=time.perf_counter() - started)
    log.info("warm-up: %d routes, %d languages, %d templates in %.2f s", done.routes,
             done.languages, done.templates, done.seconds)
    return done
