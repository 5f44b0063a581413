"""API schemas of the accounts context (validation only; no rules here)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from laif.config.apitypes import (
    Count,
    CountryCode,
    Days,
    Email,
    Euros,
    Id,
    KeyText,
    LongText,
    Name,
    NoNul,
    Secret,
    ShortText,
)

HexDigest = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

SectorName = Literal[
    "finance", "space", "cybersecurity", "industry", "health", "public", "research", "other"
]
KindName = Literal["company", "startup", "research", "public"]
OrgRoleName = Literal["admin", "member"]
ProjectRoleName = Literal["lead", "member"]
# User.first_name and last_name are varchar(150).
PersonName = Annotated[str, Field(min_length=1, max_length=150), NoNul]
OptionalPersonName = Annotated[str, Field(max_length=150), NoNul]
AddressText = Annotated[str, Field(max_length=500), NoNul]


class Message(Schema):
    detail: str


class OrganisationIn(Schema):
    name: Name
    country: CountryCode = "LU"
    sector: SectorName
    kind: KindName
    staff_headcount: Count | None = Field(None, description="With the turnover and the balance "
                                          "sheet (all three or none): the EU SME class shown. "
                                          "Funding decisions use the SME declaration.")
    annual_turnover_eur: Euros | None = None
    balance_sheet_eur: Euros | None = None
    rcs_number: ShortText = ""
    vat_number: ShortText = ""
    address: AddressText = Field("", description="Postal address, lines separated by newlines "
                                 "(at most 6 lines): shown on the statements.")


class SignUpIn(Schema):
    organisation: OrganisationIn
    email: Email
    password: Secret
    first_name: PersonName
    last_name: PersonName


class OrganisationOut(Schema):
    id: int
    name: str
    country: str
    sector: str
    kind: str
    rcs_number: str
    vat_number: str
    address: str
    staff_headcount: int | None
    annual_turnover_eur: int | None
    balance_sheet_eur: int | None
    sme_class: str
    created_at: datetime


class UserOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str


class MembershipOut(Schema):
    user: UserOut
    role: str


class OrgRef(Schema):
    id: int
    name: str
    role: str


class ProjectRef(Schema):
    id: int
    name: str
    code: str
    organisation_id: int
    role: str


class IdentityOut(Schema):
    username: str
    uid: int


class MeOut(Schema):
    user: UserOut
    email_verified: bool
    staff_roles: list[str]
    organisations: list[OrgRef]
    projects: list[ProjectRef]
    identity: IdentityOut | None


class PendingOrganisationOut(Schema):
    """An organisation entered at sign-up, registered once its admin's address is confirmed."""

    name: str
    country: str
    sector: str
    kind: str
    rcs_number: str
    vat_number: str
    address: str
    staff_headcount: int | None
    annual_turnover_eur: int | None
    balance_sheet_eur: int | None
    sme_class: str


class SignUpOut(Schema):
    organisation: PendingOrganisationOut
    user: UserOut
    email_verified: bool
    detail: str


class RoleIn(Schema):
    role: OrgRoleName


class InvitationIn(Schema):
    email: Email
    role: OrgRoleName = "member"


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    expires_at: datetime


class PendingInvitationOut(InvitationOut):
    created_at: datetime
    invited_by: str | None  # the inviting admin's e-mail address; None once the account is gone


class InvitationAcceptIn(Schema):
    token: Secret
    password: Secret | None = None
    first_name: OptionalPersonName = ""
    last_name: OptionalPersonName = ""


class ProjectIn(Schema):
    name: Name
    description: LongText = ""
    lead_id: Id | None = None


class ProjectMemberOut(Schema):
    user: UserOut
    role: str


class ProjectOut(Schema):
    id: int
    name: str
    code: str
    description: str
    organisation_id: int
    organisation_name: str
    created_at: datetime
    members: list[ProjectMemberOut]


class ProjectMemberIn(Schema):
    user_id: Id
    role: ProjectRoleName = "member"


class SshKeyIn(Schema):
    title: ShortText = ""
    public_key: KeyText


class SshKeyOut(Schema):
    id: int
    title: str
    key_type: str
    bits: int
    fingerprint: str
    created_at: datetime


class TokenIn(Schema):
    name: Name = "cli"
    expires_days: Days | None = None


class TokenLoginIn(Schema):
    email: Email
    password: Secret
    name: Name = "cli"
    expires_days: Days | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str


class IdentityExportOut(Schema):
    username: str
    uid: int
    gid: int
    full_name: str
    email: str
    active: bool
    projects: list[str]
    ssh_keys: list[str]


class AuditEntryOut(Schema):
    seq: int
    at: datetime
    actor_label: str
    action: str
    organisation_id: int | None
    target: str
    ip: str
    detail: dict[str, object]
    hash: str


class AuditVerifyOut(Schema):
    ok: bool
    entries: int
    problems: list[str]
    head_seq: int
    head_hash: str
    anchors: int  # heads anchored outside the database (LAIF_AUDIT_ANCHOR_FILE) checked


class SmeIn(Schema):
    staff_headcount: Count
    annual_turnover_eur: Euros
    balance_sheet_eur: Euros


class SmeOut(Schema):
    sme_class: str
    is_sme: bool
