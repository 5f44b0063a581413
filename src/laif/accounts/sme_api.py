"""REST endpoints of SME declarations: organisation admins declare a year's figures and ownership,
factory operators verify or reject them; members and client-facing staff read them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from laif.accounts import selectors, services, sme_status
from laif.accounts.models import SmeDeclaration
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.services.sme import MAX_STAKES
from laif.accounts.sme_text import reason_text
from laif.config.apitypes import Euros, Id, Name, NoNul

router = Router(tags=["sme"])

Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Awu = Annotated[Decimal, Field(ge=0, le=Decimal("9999999.99"), max_digits=9, decimal_places=2)]
Year = Annotated[int, Field(ge=1990, le=2100)]
Note = Annotated[str, Field(max_length=1000), NoNul]
DirectionName = Literal["upstream", "downstream"]
HolderKindName = Literal["enterprise", "public_body", "investment_company", "business_angel",
                         "university", "institutional_investor", "small_local_authority"]


class SmeStakeIn(Schema):
    name: Name
    direction: DirectionName
    holder_kind: HolderKindName = "enterprise"
    capital_percent: Percent
    votes_percent: Percent
    control: bool = False
    staff_awu: Awu = Decimal(0)
    turnover_eur: Euros = 0
    balance_sheet_eur: Euros = 0
    invested_eur: Euros | None = None


class SmeDeclarationIn(Schema):
    year: Year
    staff_awu: Awu
    turnover_eur: Euros
    balance_sheet_eur: Euros
    estimated: bool = False
    ownership_changed: bool = False
    stakes: list[SmeStakeIn] = Field(default_factory=list, max_length=MAX_STAKES)


class SmeReviewIn(Schema):
    note: Note = ""


class SmeStakeOut(Schema):
    name: str
    direction: str
    holder_kind: str
    capital_percent: Decimal
    votes_percent: Decimal
    control: bool
    staff_awu: Decimal
    turnover_eur: Decimal
    balance_sheet_eur: Decimal
    invested_eur: Decimal | None
    relation: str  # set at verification: none, partner or linked


class SmeReasonOut(Schema):
    code: str
    text: str


class SmeDeclarationOut(Schema):
    id: int
    organisation_id: int
    year: int
    estimated: bool
    ownership_changed: bool
    staff_awu: Decimal
    turnover_eur: Decimal
    balance_sheet_eur: Decimal
    state: str
    declared_by: str
    declared_at: datetime
    reviewed_at: datetime | None
    review_note: str
    year_class: str  # the year's figures and ownership alone (once verified)
    sme_class: str  # the status after the two-year rule (once verified)
    total_staff_awu: Decimal | None
    total_turnover_eur: Decimal | None
    total_balance_sheet_eur: Decimal | None
    reasons: list[SmeReasonOut]
    stakes: list[SmeStakeOut]
    source: str


def declaration_out(d: SmeDeclaration) -> SmeDeclarationOut:
    return SmeDeclarationOut(
        id=d.pk, organisation_id=d.organisation_id, year=d.year, estimated=d.estimated,
        ownership_changed=d.ownership_changed, staff_awu=d.staff_awu,
        turnover_eur=d.turnover_eur, balance_sheet_eur=d.balance_sheet_eur, state=d.state,
        declared_by=d.declared_by.email, declared_at=d.declared_at, reviewed_at=d.reviewed_at,
        review_note=d.review_note, year_class=d.year_class, sme_class=d.sme_class,
        total_staff_awu=d.total_staff_awu, total_turnover_eur=d.total_turnover_eur,
        total_balance_sheet_eur=d.total_balance_sheet_eur,
        reasons=[SmeReasonOut(code=str(r.get("code", "")), text=reason_text(r))
                 for r in d.reasons],
        stakes=[SmeStakeOut(
            name=st.name, direction=st.direction, holder_kind=st.holder_kind,
            capital_percent=st.capital_percent, votes_percent=st.votes_percent,
            control=st.control, staff_awu=st.staff_awu, turnover_eur=st.turnover_eur,
            balance_sheet_eur=st.balance_sheet_eur, invested_eur=st.invested_eur,
            relation=st.relation) for st in d.stakes.all()],
        source=sme_status.SOURCE)


def declaration_data(data: SmeDeclarationIn) -> services.SmeDeclarationData:
    return services.SmeDeclarationData(
        year=data.year, staff_awu=data.staff_awu, turnover_eur=Decimal(data.turnover_eur),
        balance_sheet_eur=Decimal(data.balance_sheet_eur), estimated=data.estimated,
        ownership_changed=data.ownership_changed,
        stakes=tuple(services.SmeStakeData(
            name=st.name, direction=st.direction, holder_kind=st.holder_kind,
            capital_percent=st.capital_percent, votes_percent=st.votes_percent,
            control=st.control, staff_awu=st.staff_awu, turnover_eur=Decimal(st.turnover_eur),
            balance_sheet_eur=Decimal(st.balance_sheet_eur),
            invested_eur=None if st.invested_eur is None else Decimal(st.invested_eur))
            for st in data.stakes))


def _reload(declaration_id: int) -> SmeDeclaration:
    return (SmeDeclaration.objects.select_related("declared_by")
            .prefetch_related("stakes").get(pk=declaration_id))


@router.get("/organisations/{org_id}/sme-declarations", response=list[SmeDeclarationOut],
            summary="The organisation's SME declarations, newest year first")
def sme_declaration_list(request: HttpRequest, org_id: Id) -> list[SmeDeclarationOut]:
    return [declaration_out(d) for d in selectors.sme_declarations(
        access=access_of(request), organisation_id=org_id, actor=actor_of(request))]


@router.post("/organisations/{org_id}/sme-declarations", response={201: SmeDeclarationOut},
             summary="Declare a year's figures and holdings (organisation admins); replaces "
                     "that year's declaration while it is not verified")
def sme_declaration_submit(request: HttpRequest, org_id: Id,
                           data: SmeDeclarationIn) -> Status[Any]:
    declaration = services.sme_declaration_submit(
        access=access_of(request), actor=actor_of(request), organisation_id=org_id,
        data=declaration_data(data))
    return Status(201, declaration_out(_reload(declaration.pk)))


@router.post("/sme-declarations/{declaration_id}/verify", response=SmeDeclarationOut,
             summary="Verify a submitted declaration (factory operators)")
def sme_declaration_verify(request: HttpRequest, declaration_id: Id,
                           data: SmeReviewIn) -> SmeDeclarationOut:
    declaration = services.sme_declaration_verify(
        access=access_of(request), actor=actor_of(request), declaration_id=declaration_id,
        note=data.note)
    return declaration_out(_reload(declaration.pk))


@router.post("/sme-declarations/{declaration_id}/reject", response=SmeDeclarationOut,
             summary="Reject a declaration, submitted or verified, with the reason (factory "
                     "operators)")
def sme_declaration_reject(request: HttpRequest, declaration_id: Id,
                           data: SmeReviewIn) -> SmeDeclarationOut:
    declaration = services.sme_declaration_reject(
        access=access_of(request), actor=actor_of(request), declaration_id=declaration_id,
        note=data.note)
    return declaration_out(_reload(declaration.pk))
