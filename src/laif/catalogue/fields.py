"""Readers of a catalogue file's fields (pure): each checks the type and bounds of one JSON value
and names the file, the item and the field in the ``CatalogueError`` it raises otherwise."""

from __future__ import annotations

from datetime import date
from typing import Any

from laif.catalogue import CatalogueError


class InLanguage:
    """Texts kept in English and French (``en``, ``fr``): the one for a page's language."""

    en: str
    fr: str

    def in_language(self, language: str) -> str:
        return self.fr if language.startswith("fr") else self.en


class SourceInLanguage:
    """A catalogue item's provenance note in English (``source``) and, where written, French
    (``source_fr``): the one for a page's language (English when no French one is written)."""

    source: str
    source_fr: str

    def source_in(self, language: str) -> str:
        return self.source_fr if language.startswith("fr") and self.source_fr else self.source


def text_field(item: dict[str, Any], name: str, where: str, *, required: bool = True) -> str:
    value = item.get(name, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise CatalogueError(f"{where}: {name!r} must be a non-empty string")
    if "\x00" in value:
        raise CatalogueError(f"{where}: {name!r} contains a NUL character")
    return value.strip()


def int_field(item: dict[str, Any], name: str, where: str, minimum: int, maximum: int) -> int:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise CatalogueError(f"{where}: {name!r} must be an integer")
    if not minimum <= value <= maximum:
        raise CatalogueError(f"{where}: {name!r} must be between {minimum} and {maximum}, "
                             f"got {value}")
    return value


def optional_int_field(item: dict[str, Any], name: str, where: str, minimum: int,
                  maximum: int) -> int | None:
    return None if item.get(name) is None else int_field(item, name, where, minimum, maximum)


def date_field(item: dict[str, Any], name: str, where: str) -> date:
    try:
        return date.fromisoformat(text_field(item, name, where))
    except ValueError as exc:
        raise CatalogueError(f"{where}: {name!r} must be an ISO date (YYYY-MM-DD)") from exc


def json_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CatalogueError(f"{where}: expected a JSON object")
    return value


def json_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise CatalogueError(f"{where}: expected a non-empty list")
    return value
