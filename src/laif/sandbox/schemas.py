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
