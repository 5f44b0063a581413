"""The model registry of a project (ADR 0033).

- ``RegisteredModel``: a model of a project, by name.
- ``ModelVersion``: one version: its artefact (a canonical MLflow model directory zipped, stored
  encrypted under the project's key), checksum, the platform's signature of its record, its
  lineage (training job, released dataset versions, code reference), parameters and metrics.
  Never changed once written.
- ``AliasRequest``: a request to point an alias (champion, challenger) at a version; another
  person than the requester approves or rejects it. ``Alias``: where an alias points now.
- ``DeploymentEvent``: the deployment ledger, append-only and hash-chained per model: a version
  deployed to an environment (or a rollback to an earlier one), or an environment retired.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AliasName(models.TextChoices):
    CHAMPION = "champion", _("champion")
    CHALLENGER = "challenger", _("challenger")


class RequestState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class DeploymentKind(models.TextChoices):
    DEPLOYED = "deployed", _("Deployed")
    ROLLBACK = "rollback", _("Rolled back")
    RETIRED = "retired", _("Retired")


class RegisteredModel(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.PROTECT,
                                related_name="registered_models")
    name = models.CharField(max_length=100)
    description = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["project", "name"], name="registry_model_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ModelVersion(models.Model):
    model = models.ForeignKey(RegisteredModel, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    stored_name = models.CharField(max_length=80, unique=True)
    key_version = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    files = models.JSONField()  # [[path, bytes], ...] of the MLflow directory
    flavors = models.JSONField()  # the MLmodel's flavour names
    imported = models.BooleanField()  # the upload was an MLflow model directory
    code_ref = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="model_versions")
    releases = models.ManyToManyField("sandbox.Release", blank=True, related_name="+")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    by_job = models.BooleanField(default=False)  # registered from inside its job, by its token
    record = models.JSONField()  # what was signed
    signature = models.CharField(max_length=200)
    signing_key_id = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["model", "number"], name="registry_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} v{self.number}"


class AliasRequest(models.Model):
    model = models.ForeignKey(RegisteredModel, on_delete=models.PROTECT,
                              related_name="alias_requests")
    alias = models.CharField(max_length=20, choices=AliasName.choices)
    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=2000, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=RequestState.choices,
                             default=RequestState.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering: ClassVar = ["-requested_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["model", "alias"], condition=models.Q(state="pending"),
                                    name="registry_one_pending_request"),
            models.CheckConstraint(condition=~models.Q(decided_by=models.F("requested_by")),
                                   name="registry_four_eyes"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} -> {self.version_id} ({self.state})"


class Alias(models.Model):
    model = models.ForeignKey(RegisteredModel, on_delete=models.PROTECT, related_name="aliases")
    name = models.CharField(max_length=20, choices=AliasName.choices)
    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="aliases")
    request = models.ForeignKey(AliasRequest, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["model", "name"], name="registry_alias_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} -> {self.version_id}"


class DeploymentEvent(models.Model):
    """One line of a model's deployment ledger, never changed: ``hash`` is SHA-256 over
    ``prev_hash`` and the event's canonical ``content`` (``registry.chain``; the first event of a
    model chains to ``chain.GENESIS``), and the same hash is in the keyed audit log, so an edited
    or removed line shows (``selectors.ledger_check``)."""

    model = models.ForeignKey(RegisteredModel, on_delete=models.PROTECT,
                              related_name="deployments")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=DeploymentKind.choices)
    environment = models.CharField(max_length=60)
    target = models.CharField(max_length=200, blank=True)  # the company's own system
    version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="deployments")
    effective_at = models.DateTimeField()
    note = models.TextField(max_length=2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    content = models.JSONField()  # what the hash covers
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar = ["model", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["model", "seq"], name="registry_deployment_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.model_id}#{self.seq} {self.kind} {self.environment}"
