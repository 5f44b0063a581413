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


class Roadmap(models.Model):
    """An organisation's roadmap of AI use cases (one per organisation, edited by its admins),
    drafted from its latest maturity check."""

    organisation = models.OneToOneField("accounts.Organisation", on_delete=models.PROTECT,
                                        related_name="roadmap")
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")

    def __str__(self) -> str:
        return f"roadmap of organisation {self.organisation_id}"


class UseCase(models.Model):
    """One use case of a roadmap: what it achieves (objective), how it is measured (KPI), the
    return expected and when, what must come first, the factory's services and the funding to
    use, and the GPU-hours it will need."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="use_cases")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    objective = models.TextField(max_length=2000)
    kpi = models.CharField(max_length=300)
    roi_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    horizon_months = models.PositiveSmallIntegerField()
    prerequisites = models.TextField(max_length=4000, blank=True)
    services = models.JSONField(default=list)
    funding = models.JSONField(default=list)
    gpu_hours = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "pk"]

    def __str__(self) -> str:
        return self.title
