"""API schemas of the model registry (validation only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from laif.config.apitypes import Id, LongText, NoNul, ShortText

ModelName = Annotated[str, Field(min_length=1, max_length=100,
                                 pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"), NoNul]
JsonText = Annotated[str, Field(max_length=50_000), NoNul]


class VersionIn(Schema):
    job_id: Id | None = Field(None, description="The training job (from inside a job: its own)")
    datasets: Annotated[str, Field(max_length=5000), NoNul] = Field(
        "", description="Released datasets it was trained on, separated by commas: a release's "
        "file name (customers-r2.parquet) or a dataset's name (its newest release)")
    code_ref: Annotated[str, Field(max_length=200), NoNul] = Field(
        "", description="The code's commit, tag or checksum")
    params: JsonText = Field("", description='Parameters as a JSON object: {"lr": 0.001}')
    metrics: JsonText = Field("", description='Metrics as a JSON object of numbers: {"auc": 0.91}')


class DatasetOut(Schema):
    dataset: str
    dataset_version: int
    release: int
    file: str
    sha256: str
    k: int | None = Field(None, description="The k-anonymity the release reached")
    l_diversity: int | None = None
    suppressed_rows: int | None = None


class TrainingOut(Schema):
    job_id: int
    name: str
    scheduler_id: str
    state: str
    in_ledger: bool = Field(description="False until the usage ledger has read the job")
    gpu_hours: float | None = None
    energy_kwh: float | None = None
    energy_measured_share: float | None = Field(
        None, description="The part of the energy Slurm measured (the rest is estimated)")


class VersionOut(Schema):
    id: int
    model_id: int
    model: str
    project_id: int
    number: int
    sha256: str
    size: int
    original_name: str
    flavors: list[str]
    imported_from_mlflow: bool
    files: list[tuple[str, int]]
    code_ref: str
    params: dict[str, Any]
    metrics: dict[str, Any]
    datasets: list[DatasetOut]
    training: TrainingOut | None
    registered_by: str
    by_job: bool
    aliases: list[str]
    created_at: datetime
    signing_key_id: str


class SignedOut(Schema):
    record: dict[str, Any]
    signature: str = Field(description="Ed25519 over the record as canonical JSON (sorted keys, "
                           "no spaces, UTF-8), hex")
    key_id: str
    public_key_pem: str


class AliasOut(Schema):
    alias: str
    version: int
    version_id: int


class RequestIn(Schema):
    alias: Literal["champion", "challenger"]
    reason: LongText = ""


class DecisionIn(Schema):
    approve: bool
    note: LongText = ""


class RequestOut(Schema):
    id: int
    alias: str
    version: int
    version_id: int
    state: str
    reason: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    note: str


class DeploymentIn(Schema):
    environment: Annotated[str, Field(min_length=1, max_length=60), NoNul]
    version_id: Id | None = Field(None, description="None: retire the environment")
    target: ShortText = Field("", description="The company's own system it runs on")
    effective_at: datetime | None = Field(None, description="When it happened (now if empty)")
    note: LongText = ""


class DeploymentOut(Schema):
    seq: int
    kind: str
    environment: str
    target: str
    version: int | None
    effective_at: datetime
    recorded_by: str
    approved_by: str | None
    note: str
    prev_hash: str
    hash: str


class LedgerLineOut(Schema):
    seq: int
    content: dict[str, Any]
    prev_hash: str
    hash: str


class LedgerOut(Schema):
    holds: bool = Field(description="Every line chains to the one before (SHA-256)")
    broken_at: int | None
    lines: list[LedgerLineOut]


class StintOut(Schema):
    environment: str
    target: str
    version: int
    start: datetime
    end: datetime | None
    rollback: bool
    approved_by: str


class ModelOut(Schema):
    id: int
    project_id: int
    name: str
    latest_version: int | None
    versions: int
    aliases: list[AliasOut]


class ModelDetailOut(Schema):
    id: int
    project_id: int
    name: str
    versions: list[VersionOut]
    aliases: list[AliasOut]
    requests: list[RequestOut]
    deployments: list[DeploymentOut]
    ledger_holds: bool
    timeline: list[StintOut]
    running: dict[str, int]
    may_write: bool
    may_approve: bool
