"""The reference lists of the data sandbox's column detectors, as data: ``sandbox.json``, one
versioned file with

- ``first_names``: common given names, grouped by language (``lb``, ``fr``, ``de``, ``pt``,
  ``it``, ``en``); a value is only called a person's name when it has a name's shape, and (unless
  the column heading says it holds names) the column's values often contain one of these;
- ``name_particles``: the lower-case words a name may contain (``de``, ``van``, ``von``, ``da``);
- ``street_words``: the words that make a street name (``rue``, ``route``, ``Strooss``,
  ``street``), and ``street_suffixes``: those that also end a compound one (``Hauptstrooss``,
  ``Bahnhofstrasse``);
- ``header_hints``: per kind of personal data (the detectors' storage codes), the column headings
  that announce it, in the languages of Luxembourg and its neighbours; ``header_exclusions``: per
  kind, the heading words that cancel that kind's hint (``company_name`` holds no person's name,
  ``email_address`` no street address, ``place_of_birth`` no date); ``header_flag_words``:
  words that mark a derived column (``email_verified``, ``phone_count``): no hint at all.

Everything is compared folded (``fold``: accents removed, case folded, ``ß`` as ``ss``), and
headings are split into words (``words``: at anything but a letter or a digit, and between a
lower-case letter and an upper-case one, so ``dateOfBirth``, ``date_of_birth`` and
``Date of birth`` are the same three words).

Pure Python (no Django).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from laif.catalogue import CATALOGUE_DIR, CatalogueError, read_json
from laif.catalogue.fields import date_field, int_field, json_list, json_object, text_field

LANGUAGES = ("lb", "fr", "de", "pt", "it", "en")
# the kinds a heading can announce: the storage codes of ``laif.sandbox.detectors.Kind``
HINT_KINDS = ("lu_matricule", "iban", "email", "phone", "person_name", "street_address",
              "postcode_lu", "date_of_birth")
# a name's letters, apostrophes and hyphens; no digits, no other punctuation
NAME_RE = re.compile(r"^[^\W\d_]+(?:['\u2019 -][^\W\d_]+)*$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """``text`` for comparison: accents removed (NFKD, combining marks dropped), case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> tuple[str, ...]:
    """The folded words of a heading or a hint: split at anything but a letter or a digit and at a
    lower-to-upper case change (``firstName`` is ``first``, ``name``)."""
    return tuple(w for w in _SPLIT.split(fold(_CAMEL.sub(" ", text))) if w)


@dataclass(frozen=True)
class SandboxCatalogue:
    version: int
    effective_date: date
    source: str
    first_names: frozenset[str]  # folded
    name_particles: frozenset[str]  # folded
    street_words: frozenset[str]  # folded
    street_suffixes: tuple[str, ...]  # folded
    header_hints: dict[str, tuple[tuple[str, ...], ...]]  # kind -> hints, each as its words
    header_exclusions: dict[str, frozenset[str]]  # kind -> folded words
    header_flag_words: frozenset[str]  # folded

    def hinted_kinds(self, heading: str) -> frozenset[str]:
        """The kinds a column heading announces (storage codes), none for a derived column.

        A hint matches when its words appear in a row in the heading's words, when the heading
        written without separators is the hint so written, or (a one-word hint of five letters
        or more) when it begins or ends one of the heading's words (``birth`` in ``birthdate``).
        A kind's exclusion matches a heading word equal to it or, from three letters, containing
        it."""
        tokens = words(heading)
        if not tokens or any(t in self.header_flag_words for t in tokens):
            return frozenset()
        compact = "".join(tokens)
        found: set[str] = set()
        for kind, hints in self.header_hints.items():
            excluded = self.header_exclusions.get(kind, frozenset())
            if any(t == x or (len(x) >= 3 and x in t) for t in tokens for x in excluded):
                continue
            if any(_hint_matches(hint, tokens, compact) for hint in hints):
                found.add(kind)
        return frozenset(found)


def _hint_matches(hint: tuple[str, ...], tokens: tuple[str, ...], compact: str) -> bool:
    size = len(hint)
    if any(tokens[i:i + size] == hint for i in range(len(tokens) - size + 1)):
        return True
    if "".join(hint) == compact:
        return True
    if size == 1 and len(hint[0]) >= 5:
        return any(t.startswith(hint[0]) or t.endswith(hint[0]) for t in tokens)
    return False


def _strings(value: Any, where: str, *, pattern: re.Pattern[str] | None = None) -> list[str]:
    items = json_list(value, where)
    out: list[str] = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip() or item != item.strip():
            raise CatalogueError(f"{where}[{i}]: expected a non-empty string without surrounding "
                                 "spaces")
        if pattern is not None and not pattern.match(item):
            raise CatalogueError(f"{where}[{i}]: {item!r} is not a name (letters, apostrophes, "
                                 "hyphens, spaces)")
        out.append(item)
    folded = [fold(s) for s in out]
    if len(set(folded)) != len(folded):
        dupes = sorted({f for f in folded if folded.count(f) > 1})
        raise CatalogueError(f"{where}: duplicates {', '.join(dupes)}")
    return folded


def _by_kind(value: Any, where: str, *, complete: bool) -> dict[str, list[Any]]:
    root = json_object(value, where)
    unknown = set(root) - set(HINT_KINDS)
    if unknown:
        raise CatalogueError(f"{where}: unknown kinds {', '.join(sorted(unknown))}; expected "
                             f"some of {', '.join(HINT_KINDS)}")
    if complete and set(root) != set(HINT_KINDS):
        missing = sorted(set(HINT_KINDS) - set(root))
        raise CatalogueError(f"{where}: missing kinds {', '.join(missing)}")
    return root


def parse_sandbox(data: Any, where: str = "sandbox.json") -> SandboxCatalogue:
    root = json_object(data, where)
    if root.get("catalogue") != "sandbox":
        raise CatalogueError(f"{where}: 'catalogue' must be 'sandbox'")
    names_root = json_object(root.get("first_names"), f"{where}: first_names")
    if not names_root or not set(names_root) <= set(LANGUAGES):
        raise CatalogueError(f"{where}: first_names: languages must be some of "
                             f"{', '.join(LANGUAGES)}")
    first_names: set[str] = set()
    for language, names in names_root.items():
        first_names.update(_strings(names, f"{where}: first_names.{language}", pattern=NAME_RE))
    particles = _strings(root.get("name_particles"), f"{where}: name_particles", pattern=NAME_RE)
    street = _strings(root.get("street_words"), f"{where}: street_words", pattern=NAME_RE)
    suffixes = _strings(root.get("street_suffixes"), f"{where}: street_suffixes", pattern=NAME_RE)
    hints: dict[str, tuple[tuple[str, ...], ...]] = {}
    for kind, items in _by_kind(root.get("header_hints"), f"{where}: header_hints",
                                complete=True).items():
        here = f"{where}: header_hints.{kind}"
        _strings(items, here)
        split = tuple(words(h) for h in items)
        if any(not w for w in split):
            raise CatalogueError(f"{here}: every hint needs a letter or a digit")
        hints[kind] = split
    exclusions = {
        kind: frozenset(_strings(items, f"{where}: header_exclusions.{kind}", pattern=NAME_RE))
        for kind, items in _by_kind(root.get("header_exclusions"),
                                    f"{where}: header_exclusions", complete=False).items()}
    flags = _strings(root.get("header_flag_words"), f"{where}: header_flag_words", pattern=NAME_RE)
    return SandboxCatalogue(
        version=int_field(root, "version", where, 1, 1_000_000),
        effective_date=date_field(root, "effective_date", where),
        source=text_field(root, "source", where),
        first_names=frozenset(first_names), name_particles=frozenset(particles),
        street_words=frozenset(street), street_suffixes=tuple(suffixes),
        header_hints=hints, header_exclusions=exclusions, header_flag_words=frozenset(flags))


@cache
def load_sandbox(path: Path | None = None) -> SandboxCatalogue:
    """The sandbox detectors' reference lists (read once per process)."""
    file = path or CATALOGUE_DIR / "sandbox.json"
    return parse_sandbox(read_json(file), file.name)
