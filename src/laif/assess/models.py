"""AI maturity checks and their sector aggregates.

- ``Assessment``: one check of an organisation: the questionnaire's version, the answers, each
  dimension's score 0-100, the overall score and level, and the organisation's sector at the
  time. Never changed: taking the check again adds one, so progress shows over time.
- ``SectorBenchmark``: a published snapshot of a sector's aggregate (``assess.benchmark``): the
  contributions it was computed from (organisation -> its check) and each dimension's banded
  mean, or null where it is withheld.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models


class Assessment(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="assessments")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="+")
    taken_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField()
    sector = models.CharField(max_length=20)
    answers = models.JSONField()
    scores = models.JSONField()
    overall = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField()

    class Meta:
        ordering: ClassVar[list[str]] = ["taken_at", "pk"]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["sector", "version", "organisation", "taken_at"],
                         name="assessment_sector"),
        ]

    def __str__(self) -> str:
        return f"maturity check {self.pk} of organisation {self.organisation_id}"


class SectorBenchmark(models.Model):
    sector = models.CharField(max_length=20)
    version = models.PositiveIntegerField()
    published_at = models.DateTimeField(auto_now_add=True)
    contributions = models.JSONField()  # {"<organisation id>": <assessment id>}
    values = models.JSONField()  # {"<dimension>": int or null}

    class Meta:
        ordering: ClassVar[list[str]] = ["published_at", "pk"]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["sector", "version", "published_at"], name="benchmark_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.sector} benchmark of {self.published_at:%Y-%m-%d}"


class SectorLock(models.Model):
    """One row per sector, locked while its aggregate is published: two checks sent at once
    cannot publish two snapshots that differ by one contribution each."""

    sector = models.CharField(max_length=20, unique=True)

    def __str__(self) -> str:
        return self.sector
