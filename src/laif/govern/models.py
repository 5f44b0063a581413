"""The register of AI systems under the EU AI Act (``govern.ai_act`` classifies them).

- ``AiSystem``: an AI system of an organisation (what it is for), optionally tied to the project
  that trains its models.
- ``Classification``: one answer to the questionnaire, the rulebook version it was read under,
  the category, each conclusion with its article and the obligations that followed. Never
  changed: classifying again adds one, so the system's history shows.
- ``DriftMonitor``, ``DriftBatch``: drift monitoring of the system's inputs (a reference
  profile computed once, each current batch tested against it); ``MonitoringEvent``: a
  post-market monitoring event (Art. 72), today a batch found drifted.
- ``Obligation``: one duty of the system (provider or deployer, with its article), its status and
  the evidence for it. A duty the latest classification no longer brings keeps its status and
  evidence, marked as no longer required.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskCategory(models.TextChoices):
    PROHIBITED = "prohibited", _("Prohibited")
    HIGH_RISK = "high_risk", _("High-risk")
    LIMITED_RISK = "limited_risk", _("Limited risk")
    MINIMAL_RISK = "minimal_risk", _("Minimal risk")


class AiSystem(models.Model):
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                     related_name="ai_systems")
    project = models.ForeignKey("accounts.Project", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="ai_systems")
    name = models.CharField(max_length=200)
    purpose = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["organisation_id", "name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def category(self) -> str:
        """The latest classification's, "" before the first (annotated by ``govern.selectors``)."""
        return str(getattr(self, "latest_category", ""))

    @property
    def category_label(self) -> str:
        return str(RiskCategory(self.category).label) if self.category else ""


class Classification(models.Model):
    system = models.ForeignKey(AiSystem, on_delete=models.CASCADE,
                               related_name="classifications")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    rulebook_version = models.PositiveIntegerField()
    answers = models.JSONField()
    category = models.CharField(max_length=20, choices=RiskCategory.choices)
    conclusions = models.JSONField()  # [{"article", "en", "fr"}]
    obligations = models.JSONField()  # [rule key]

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"classification {self.pk} of AI system {self.system_id}"


class ObligationStatus(models.TextChoices):
    OPEN = "open", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    MET = "met", _("Met")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Obligation(models.Model):
    system = models.ForeignKey(AiSystem, on_delete=models.CASCADE, related_name="obligations")
    key = models.CharField(max_length=60)
    article = models.CharField(max_length=60)
    who = models.CharField(max_length=10)
    required = models.BooleanField(default=True)  # by the latest classification
    status = models.CharField(max_length=20, choices=ObligationStatus.choices,
                              default=ObligationStatus.OPEN)
    evidence = models.TextField(max_length=5000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["system_id", "pk"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["system", "key"], name="obligation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.article} of AI system {self.system_id}"


class DriftMonitor(models.Model):
    """Drift monitoring of an AI system's inputs: the reference data's profile, computed once
    (``govern.drift.ReferenceProfile``) and kept as a checksummed file (``govern.profiles``)."""

    system = models.ForeignKey(AiSystem, on_delete=models.CASCADE, related_name="monitors")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    reference_name = models.CharField(max_length=200)  # the file's name, as given
    reference_rows = models.PositiveBigIntegerField()
    columns = models.JSONField()  # the profiled columns, in order
    profile_sha256 = models.CharField(max_length=64)
    profile_bytes = models.PositiveBigIntegerField()

    class Meta:
        ordering: ClassVar[list[str]] = ["system_id", "pk"]

    def __str__(self) -> str:
        return self.name


class DriftBatch(models.Model):
    """One current batch tested against the monitor's reference: the verdict, and per column
    the method, statistic, threshold, decision and the histograms (``DatasetDrift.as_dict``)."""

    monitor = models.ForeignKey(DriftMonitor, on_delete=models.CASCADE, related_name="batches")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=200)  # the file's name, or "api"
    rows = models.PositiveBigIntegerField()
    drifted = models.BooleanField()
    columns_total = models.PositiveIntegerField()
    columns_drifted = models.PositiveIntegerField()
    results = models.JSONField()
    # once its labels are known: {"rows", "accuracy", "auc"} (``govern.performance``)
    performance = models.JSONField(null=True, blank=True)
    labelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["monitor_id", "created_at", "pk"]

    def __str__(self) -> str:
        return f"batch {self.pk} of drift monitor {self.monitor_id}"

    @property
    def share(self) -> float:
        return self.columns_drifted / self.columns_total if self.columns_total else 0.0


class EventKind(models.TextChoices):
    DRIFT = "drift", _("Data drift")
    INCIDENT = "incident", _("Serious incident")


class Incident(models.Model):
    """A serious incident (Art. 3(49)) of the system: what happened, when the provider became
    aware of it, the last day to report it (Art. 73, by its kind: ``catalogue/ai_act.json``) and
    when and how it was reported to the market surveillance authority."""

    system = models.ForeignKey(AiSystem, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(max_length=40)
    article = models.CharField(max_length=60)  # the kind's, when recorded
    description = models.TextField(max_length=5000)
    aware_on = models.DateField()
    deadline = models.DateField()
    reported_on = models.DateField(null=True, blank=True)
    authority_reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["system_id", "aware_on", "pk"]

    def __str__(self) -> str:
        return f"serious incident {self.pk} of AI system {self.system_id}"

    def late_on(self, today: date) -> bool:
        """Reported after its deadline, or not reported and past it on ``today``."""
        return (self.reported_on or today) > self.deadline


class MonitoringEvent(models.Model):
    """A post-market monitoring event of the system (Art. 72): a batch found drifted, or a
    serious incident."""

    system = models.ForeignKey(AiSystem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    batch = models.OneToOneField(DriftBatch, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="event")
    incident = models.OneToOneField(Incident, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="event")

    class Meta:
        ordering: ClassVar[list[str]] = ["system_id", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} event of AI system {self.system_id}"
