"""The 80% compute cashback rule and the de minimis ceiling, as data.

Pure Python (no Django): ``load_cashback()`` reads ``cashback.json`` (rate, who is eligible: EU SME
classes per Recommendation 2003/361/EC and organisation kinds such as start-ups, the source and
effective date; the de minimis ceiling of Regulation (EU) 2023/2831 with its source).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from laif.catalogue import CATALOGUE_DIR, CatalogueError, read_json
from laif.catalogue.fields import (
    SourceInLanguage,
    date_field,
    int_field,
    json_object,
    text_field,
)

SME_CLASSES = ("micro", "small", "medium", "large")
KINDS = ("company", "startup", "research", "public")


@dataclass(frozen=True)
class DeMinimis(SourceInLanguage):
    ceiling_eur: int
    period_years: int
    source: str
    source_fr: str = ""


@dataclass(frozen=True)
class CashbackRule:
    version: int
    effective_date: date
    rate_percent: int
    eligible_sme_classes: frozenset[str]
    eligible_kinds: frozenset[str]
    source: str
    de_minimis: DeMinimis


def _names(value: Any, allowed: tuple[str, ...], where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
        raise CatalogueError(f"{where}: must be a list of {', '.join(allowed)}")
    return frozenset(value)


def parse_cashback(data: Any, where: str = "cashback.json") -> CashbackRule:
    root = json_object(data, where)
    version = root.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise CatalogueError(f"{where}: 'version' must be a positive integer")
    dm = json_object(root.get("de_minimis"), f"{where}: de_minimis")
    return CashbackRule(
        version=version, effective_date=date_field(root, "effective_date", where),
        rate_percent=int_field(root, "rate_percent", where, 1, 100),
        eligible_sme_classes=_names(root.get("eligible_sme_classes"), SME_CLASSES,
                                    f"{where}: eligible_sme_classes"),
        eligible_kinds=_names(root.get("eligible_kinds"), KINDS, f"{where}: eligible_kinds"),
        source=text_field(root, "source", where),
        de_minimis=DeMinimis(
            ceiling_eur=int_field(dm, "ceiling_eur", f"{where}: de_minimis", 1, 10_000_000),
            period_years=int_field(dm, "period_years", f"{where}: de_minimis", 1, 10),
            source=text_field(dm, "source", f"{where}: de_minimis"),
            source_fr=text_field(dm, "source_fr", f"{where}: de_minimis", required=False)),
    )


@cache
def load_cashback(path: Path | None = None) -> CashbackRule:
    file = path or CATALOGUE_DIR / "cashback.json"
    data = read_json(file)
    return parse_cashback(data, file.name)
