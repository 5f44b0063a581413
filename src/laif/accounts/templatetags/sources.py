"""Template filters of catalogue provenance notes: the note in the page's language (English
where no French one is written), and the language it is in, for the element's ``lang``."""

from __future__ import annotations

from typing import Protocol

from django import template
from django.utils.translation import get_language

register = template.Library()


class HasSource(Protocol):
    source: str
    source_fr: str

    def source_in(self, language: str) -> str: ...


def _language() -> str:
    return get_language() or "en"


@register.filter
def source_text(item: HasSource) -> str:
    return item.source_in(_language())


@register.filter
def source_lang(item: HasSource) -> str:
    return "fr" if _language().startswith("fr") and item.source_fr else "en"
