"""API schemas of the AI system register (validation only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from laif.config.apitypes import Id, LongText, Name, NoNul

Key = Annotated[str, Field(min_length=1, max_length=60), NoNul]
Keys = Annotated[list[Key], Field(max_length=40)]


class RuleOut(Schema):
    key: str
    article: str
    text: str
    who: str = Field("", description="provider or deployer, for a duty")


class AreaOut(Schema):
    key: str
    article: str
    text: str
    exception: RuleOut | None = None


class IncidentKindOut(Schema):
    key: str
    article: str
    text: str
    days: int = Field(description="Days to report it once aware of it")


class RulebookOut(Schema):
    version: int
    effective_date: str
    source: str
    prohibited: list[RuleOut]
    high_risk_areas: list[AreaOut]
    exemptions: list[RuleOut]
    transparency: list[RuleOut]
    obligations: list[RuleOut]
    exemption_duties: list[RuleOut]
    gpai: list[RuleOut]
    serious_incidents: list[IncidentKindOut]


class SystemIn(Schema):
    name: Name
    purpose: Annotated[LongText, Field(min_length=1)]
    project_id: Id | None = None


class AnswersIn(Schema):
    """The questionnaire's answers: rulebook keys (``GET /api/govern/ai-act``)."""

    practices: Keys = Field(default_factory=list, description="Art. 5 practices it performs")
    annex_i_safety_component: bool = False
    areas: Keys = Field(default_factory=list, description="Annex III areas of its purpose")
    exceptions: Keys = Field(default_factory=list,
                             description="An area's exception that holds (fraud_detection)")
    exemptions: Keys = Field(default_factory=list, description="Art. 6(3) conditions relied on")
    profiling: bool = False
    transparency: Keys = Field(default_factory=list, description="Art. 50 situations")
    roles: Keys = Field(default_factory=lambda: ["provider"],
                        description="provider and/or deployer")
    public_service_deployer: bool = False
    gpai_model: bool = False
    systemic_risk: bool = False


class ConclusionOut(Schema):
    article: str
    text: str


class ClassificationOut(Schema):
    id: int
    created_at: datetime
    rulebook_version: int
    category: str
    answers: AnswersIn
    conclusions: list[ConclusionOut]


class ObligationOut(Schema):
    key: str
    article: str
    who: str
    text: str
    required: bool = Field(description="Brought by the latest classification")
    status: str
    evidence: str
    updated_at: datetime


class SystemOut(Schema):
    id: int
    organisation_id: int
    project_id: int | None
    name: str
    purpose: str
    category: str = Field(description="The latest classification's; empty before the first")
    created_at: datetime


class SystemDetailOut(SystemOut):
    may_edit: bool
    classifications: list[ClassificationOut]
    obligations: list[ObligationOut]


class ObligationIn(Schema):
    status: Literal["open", "in_progress", "met", "not_applicable"]
    evidence: LongText = ""


class LabelsIn(Schema):
    prediction: Annotated[str, Field(min_length=1, max_length=80), NoNul] = "prediction"
    label: Annotated[str, Field(min_length=1, max_length=80), NoNul] = "label"


class MonitorIn(Schema):
    name: Name
    columns: Annotated[str, Field(max_length=5000), NoNul] = Field(
        "", description="The columns to monitor, separated by commas; all when empty")


class PerformanceOut(Schema):
    rows: int = Field(description="Rows with both a prediction and a label")
    accuracy: float
    auc: float | None = Field(description="Scores against binary labels only")


class BatchBriefOut(Schema):
    id: int
    created_at: datetime
    source: str
    rows: int
    drifted: bool
    columns_total: int
    columns_drifted: int
    performance: PerformanceOut | None = Field(description="Once the batch's labels are known")


class MonitorOut(Schema):
    id: int
    system_id: int
    name: str
    created_at: datetime
    reference_name: str
    reference_rows: int
    columns: list[str]
    profile_sha256: str = Field(description="The stored reference profile's checksum")
    batches: list[BatchBriefOut] = Field(description="Oldest first")


class HistogramOut(Schema):
    reference: list[int]
    current: list[int]
    edges: list[float] | None = Field(None, description="Numerical: the bins' edges")
    labels: list[str | int | float | bool | None] | None = Field(
        None, description="Categorical: the values (the rarest past 29 summed as '(other)')")


class ColumnDriftOut(Schema):
    column: str
    kind: str
    method: str = Field(description="ks, chisquare, z, wasserstein or jensenshannon")
    method_label: str
    statistic: float | None = Field(description="p-value or distance; null: infinite")
    threshold: float
    drifted: bool
    reference_rows: int
    current_rows: int
    histogram: HistogramOut


class BatchOut(BatchBriefOut):
    monitor_id: int
    share_of_drifted_columns: float
    share_threshold: float
    skipped: list[str]
    columns: list[ColumnDriftOut]


Cell = Annotated[str, Field(max_length=200), NoNul] | float | bool | None


class RowsIn(Schema):
    rows: Annotated[list[dict[Annotated[str, Field(min_length=1, max_length=200), NoNul], Cell]],
                    Field(min_length=1, max_length=10_000)]


class ItemOut(Schema):
    label: str
    text: str


class SectionOut(Schema):
    point: str
    title: str
    items: list[ItemOut]
    gaps: list[str] = Field(description="What the platform does not hold for this point")


class AnnexIvOut(Schema):
    system_id: int
    category: str
    gaps: int
    sections: list[SectionOut]


class IncidentIn(Schema):
    kind: Key = Field(description="death, critical_infrastructure, widespread_infringement or "
                                  "serious_harm (GET /api/govern/ai-act)")
    description: Annotated[LongText, Field(min_length=1)]
    aware_on: date = Field(description="The day the provider became aware of it")


class ReportedIn(Schema):
    reported_on: date
    reference: Annotated[str, Field(max_length=200), NoNul] = ""


class IncidentOut(Schema):
    id: int
    system_id: int
    kind: str
    article: str
    description: str
    aware_on: date
    deadline: date = Field(description="The last day to report it (Art. 73)")
    reported_on: date | None
    authority_reference: str
    late: bool = Field(description="Reported after the deadline, or not reported and past it")
