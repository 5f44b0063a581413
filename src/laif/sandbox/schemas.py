"""Schemas of the data sandboxes' API. No schema carries a value of a dataset."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from laif.config.apitypes import NoNul

ColumnName = Annotated[str, Field(min_length=1, max_length=200), NoNul]
KindCode = Annotated[str, Field(min_length=1, max_length=20), NoNul]


class ColumnOut(Schema):
    position: int
    name: str
    proposed_kind: str
    kind: str
    kind_label: str
    confidence: float
    sampled: int
    matched: int
    reason: str
    found_in_text: dict[str, int]


class VersionOut(Schema):
    id: int
    dataset_id: int
    dataset: str
    project_id: int
    number: int
    state: str
    file_format: str
    original_name: str
    rows: int
    columns: list[str]
    encoding: str
    delimiter: str
    source_sha256: str
    source_bytes: int
    uploaded_at: datetime
    uploaded_by: str
    reviewed_at: datetime | None
    reviewed_by: str
    classification: list[ColumnOut]


class VersionBriefOut(Schema):
    id: int
    number: int
    state: str
    rows: int
    uploaded_at: datetime


class DatasetOut(Schema):
    id: int
    name: str
    project_id: int
    created_at: datetime
    versions: list[VersionBriefOut]


class UploadIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=60), NoNul]
    file_format: Annotated[str, Field(max_length=10), NoNul] = ""
    encoding: Annotated[str, Field(max_length=20), NoNul] = ""
    delimiter: Annotated[str, Field(max_length=4), NoNul] = ""


class ReviewIn(Schema):
    kinds: dict[ColumnName, KindCode] = Field(default_factory=dict, max_length=500)


Domain = Annotated[str, Field(max_length=40, pattern=r"^[a-z0-9_-]*$")]


class PolicyColumnIn(Schema):
    column: ColumnName
    action: Annotated[str, Field(min_length=1, max_length=20), NoNul]
    domain: Domain = ""
    granularity: Annotated[str, Field(max_length=10), NoNul] = ""
    band_width: Annotated[int, Field(ge=1, le=10**12)] | None = None
    quasi_identifier: bool = False
    sensitive: bool = False


class PolicyIn(Schema):
    columns: list[PolicyColumnIn] = Field(max_length=500)


class PolicyColumnOut(PolicyColumnIn):
    kind: str


class PolicyOut(Schema):
    version_id: int
    saved: bool
    columns: list[PolicyColumnOut]


class GroupOut(Schema):
    values: list[str | None]
    size: int


class RiskOut(Schema):
    rows: int
    k: int
    l: int | None  # noqa: E741 (the measure's name)
    groups: int
    required_k: int
    required_l: int | None
    passes: bool
    suppressed_rows: int
    suppressed_groups: int
    quasi_identifiers: list[str]
    sensitive: list[str]
    smallest_groups: list[GroupOut]


class ReleaseIn(Schema):
    required_k: Annotated[int, Field(ge=1, le=1000)] | None = None
    required_l: Annotated[int, Field(ge=1, le=1000)] | None = None
    suppress: bool = False


class ReleaseOut(Schema):
    id: int
    number: int
    dataset: str
    dataset_version: int
    project_id: int
    rows: int
    suppressed_rows: int
    k: int
    l: int | None  # noqa: E741
    output_sha256: str
    released_at: datetime
    approved_by: str
    staged_path: str
    env_var: str
    record: dict[str, object]
    signature: str
    signing_key_id: str


class SigningKeyOut(Schema):
    key_id: str
    public_key_pem: str


class DomainRotatedOut(Schema):
    domain: str
    version: int


class ReidentificationIn(Schema):
    column: ColumnName
    tokens: list[Annotated[str, Field(min_length=1, max_length=500), NoNul]] = Field(
        max_length=100)
    reason: Annotated[str, Field(min_length=1, max_length=1000), NoNul]


class ReidentificationOut(Schema):
    id: int
    release_id: int
    column: str
    tokens: list[str]
    reason: str
    state: str
    requested_by: str
    requested_at: datetime
    decided_by: str
    decided_at: datetime | None
    expires_at: datetime | None
    revealed_at: datetime | None


class RevealedOut(Schema):
    token: str
    value: str | None


class RevealOut(Schema):
    id: int
    values: list[RevealedOut]
