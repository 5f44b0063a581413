"""A project's data sandbox: sensitive tables its data owners upload, kept encrypted at rest.

- ``ProjectKey``: the project's data key, never stored in clear: wrapped by the master key (a key
  file or an HSM, ``laif.sandbox.keys``), with the master key's id. Rotating the master key
  re-wraps these rows and leaves the data as it is; a new data key version is added when the
  project's key itself is rotated.
- ``Dataset``: a named table of a project (``customers``); each upload adds a version.
- ``DatasetVersion``: one upload, accepted whole: its normalised copy (Parquet, every column
  text) encrypted under the project's data key (``key_version``) in a file named by the platform
  (the name the user gave is only shown), the source's checksum and size, the rows and columns,
  the encoding and delimiter detected. Its columns' classification is proposed by the detectors,
  then reviewed by a data owner before anything may be released.
- ``ColumnClass``: a column's proposed kind of personal data (with the detector's evidence:
  values sampled and validated, never a value) and the kind a person confirmed or corrected.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DataKind(models.TextChoices):
    """What a column holds; the codes are those of ``laif.sandbox.detectors.Kind``."""
    LU_MATRICULE = "lu_matricule", _("Luxembourg national identification number")
    IBAN = "iban", _("IBAN")
    EMAIL = "email", _("E-mail address")
    PHONE = "phone", _("Phone number")
    PERSON_NAME = "person_name", _("Person's name")
    STREET_ADDRESS = "street_address", _("Street address")
    POSTCODE_LU = "postcode_lu", _("Luxembourg postcode")
    DATE_OF_BIRTH = "date_of_birth", _("Date of birth")
    FREE_TEXT = "free_text", _("Free text with personal data")
    NOT_PERSONAL = "not_personal", _("Not personal data")


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    PARQUET = "parquet", "Parquet"


class VersionState(models.TextChoices):
    PROPOSED = "proposed", _("Classification to review")
    REVIEWED = "reviewed", pgettext_lazy("classification", "Reviewed")


class PolicyAction(models.TextChoices):
    """What a release does with a column; the codes are those of ``laif.sandbox.policies``."""
    KEEP = "keep", _("Keep as is")
    PSEUDONYMISE = "pseudonymise", _("Pseudonymise (keyed, joinable within its domain)")
    ENCRYPT = "encrypt", _("Encrypt (reversible by the data owner, with approval)")
    GENERALISE = "generalise", _("Generalise")
    SUPPRESS = "suppress", _("Leave out")


class Granularity(models.TextChoices):
    NONE = "", "—"
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class ProjectKey(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    wrapped = models.BinaryField()
    master_key_id = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    rewrapped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["project", "version"], name="sandbox_key_version"),
        ]

    def __str__(self) -> str:  # never the wrapped bytes
        return f"project {self.project_id} data key v{self.version} ({self.master_key_id})"


class Dataset(models.Model):
    project = models.ForeignKey("accounts.Project", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["project", "name"], name="sandbox_dataset_name"),
        ]

    def __str__(self) -> str:
        return self.name


class DatasetVersion(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=VersionState.choices,
                             default=VersionState.PROPOSED)
    file_format = models.CharField(max_length=10, choices=FileFormat.choices)
    original_name = models.CharField(max_length=200)
    stored_name = models.CharField(max_length=80, unique=True)
    key_version = models.PositiveIntegerField()
    source_sha256 = models.CharField(max_length=64)
    source_bytes = models.BigIntegerField()
    stored_bytes = models.BigIntegerField()
    rows = models.BigIntegerField()
    columns = models.JSONField(default=list)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering: ClassVar = ["-number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["dataset", "number"], name="sandbox_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id} v{self.number}"


class ColumnClass(models.Model):
    version = models.ForeignKey(DatasetVersion, on_delete=models.CASCADE,
                                related_name="column_classes")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    proposed_kind = models.CharField(max_length=20, choices=DataKind.choices)
    confidence = models.FloatField()
    sampled = models.PositiveIntegerField()
    matched = models.PositiveIntegerField()
    reason = models.CharField(max_length=40)
    found_in_text = models.JSONField(default=dict)
    kind = models.CharField(_("kind"), max_length=20, choices=DataKind.choices)

    class Meta:
        ordering: ClassVar = ["position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["version", "position"], name="sandbox_column_position"),
        ]

    def __str__(self) -> str:
        return self.name


class ColumnPolicy(models.Model):
    """What a release of this version does with one column, and its role in the risk check."""
    version = models.ForeignKey(DatasetVersion, on_delete=models.CASCADE, related_name="policies")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    action = models.CharField(_("action"), max_length=20, choices=PolicyAction.choices)
    domain = models.CharField(_("domain"), max_length=40, blank=True)
    granularity = models.CharField(_("granularity"), max_length=10, choices=Granularity.choices,
                                   blank=True)
    band_width = models.PositiveIntegerField(_("band width"), null=True, blank=True)
    quasi_identifier = models.BooleanField(_("quasi-identifier"), default=False)
    sensitive = models.BooleanField(_("sensitive"), default=False)

    class Meta:
        ordering: ClassVar = ["position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["version", "position"], name="sandbox_policy_position"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.action}"


class DomainKeyVersion(models.Model):
    """The key version in force for a pseudonymisation domain of a project. The key itself is
    never stored: it is derived from the project's data key, the domain and this version."""
    project = models.ForeignKey("accounts.Project", on_delete=models.PROTECT, related_name="+")
    domain = models.CharField(max_length=40)
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["project", "domain", "version"],
                                    name="sandbox_domain_version"),
        ]

    def __str__(self) -> str:
        return f"{self.domain} v{self.version}"


class ReleaseKind(models.TextChoices):
    PSEUDONYMISED = "pseudonymised", _("Pseudonymised dataset")
    # later: outputs leaving the sandbox through an airlock


class Release(models.Model):
    """A pseudonymised copy of a version released to the project's jobs. ``record`` is what was
    signed (policy, key versions, checksums, k and l reached, who approved) and ``signature`` the
    platform's Ed25519 signature of it; the same record is in the audit log."""
    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="releases")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=ReleaseKind.choices,
                            default=ReleaseKind.PSEUDONYMISED)
    stored_name = models.CharField(max_length=80, unique=True)
    staged_name = models.CharField(max_length=120)
    key_version = models.PositiveIntegerField()
    rows = models.BigIntegerField()
    suppressed_rows = models.BigIntegerField(default=0)
    k = models.PositiveIntegerField()
    l_diversity = models.PositiveIntegerField(null=True, blank=True)
    output_sha256 = models.CharField(max_length=64)
    output_bytes = models.BigIntegerField()
    record = models.JSONField()
    signature = models.CharField(max_length=200)
    signing_key_id = models.CharField(max_length=40)
    released_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering: ClassVar = ["-released_at"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["version", "number"], name="sandbox_release_number"),
        ]

    def __str__(self) -> str:
        return f"release {self.number} of {self.version_id}"


class ReidState(models.TextChoices):
    REQUESTED = "requested", _("Waiting for a second person's approval")
    APPROVED = "approved", _("Approved: can be revealed once")
    REFUSED = "refused", _("Refused")
    REVEALED = "revealed", _("Revealed")
    EXPIRED = "expired", _("Expired")


class Reidentification(models.Model):
    """A data owner's request to see the original values behind encrypted values of a release
    (named rows), approved or refused by another data owner; revealed once, before it expires.
    The values shown are never stored, only how many there were."""
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="reidentifications")
    column = models.CharField(max_length=200)
    tokens = models.JSONField()
    reason = models.TextField()
    state = models.CharField(max_length=10, choices=ReidState.choices,
                             default=ReidState.REQUESTED)
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-requested_at"]

    def __str__(self) -> str:
        return f"re-identification {self.pk} of release {self.release_id}"
