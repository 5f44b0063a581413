"""Reads of Connect: the directory (public), a need matched to its experts with why, who answers
for an expert, and the introductions a person may see: their organisation's (members and
client-facing staff) and those asked of the experts they answer for. Contact details are in a
view only once the introduction is accepted."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from laif.accounts.access import Access
from laif.accounts.errors import DomainError, NotFound
from laif.catalogue.connect import Directory, Expert, Partner, load_directory
from laif.connect.models import ExpertContact, Introduction, IntroductionStatus

MAX_LIST = 200


def directory() -> Directory:
    return load_directory()


@dataclass(frozen=True)
class Result:
    expert: Expert
    partner: Partner
    rank: int
    score: float
    competences: tuple[tuple[str, str], ...]  # (key, label in the page's language)
    terms: tuple[str, ...]
    sector_match: bool
    language: str  # the need's, as detected or given


def match(*, need: str, sector: str | None, language: str | None, page_language: str = "en",
          limit: int = 10) -> list[Result]:
    """The directory's experts ranked for a need (English, French or German), each with the
    competences that matched. A need that cannot be matched is a DomainError on ``need``."""
    from laif.connect import matching  # the model loads on first use, not at import

    d = directory()
    if sector and sector not in {s.key for s in d.sectors}:
        raise DomainError(_("Choose one of the directory's sectors."), field="sector")
    try:
        matcher = matching.Matcher.from_catalogue()
        text = matching.check_need(need)
        lang = language or matching.detect_language(text)
        found = matcher.match(text, sector=sector or None, language=lang, limit=limit)
    except ValueError as exc:
        raise DomainError(str(exc), field="need") from exc
    out = []
    for m in found:
        expert = d.expert(m.expert)
        assert expert is not None
        out.append(Result(
            expert=expert, partner=d.partner(expert.partner), rank=m.rank, score=m.score,
            competences=tuple((c, d.competence(c).in_language(page_language))
                              for c in m.competences),
            terms=m.terms, sector_match=m.sector_match, language=lang))
    return out


def expert_get(key: str) -> tuple[Expert, Partner]:
    d = directory()
    expert = d.expert(key)
    if expert is None:
        raise NotFound(_("Expert not found."))
    return expert, d.partner(expert.partner)


def contacts_of(expert_key: str) -> list[ExpertContact]:
    return list(ExpertContact.objects.filter(expert_key=expert_key, user__is_active=True)
                .select_related("user"))


def experts_answered_by(user_id: int | None) -> set[str]:
    if user_id is None:
        return set()
    return set(ExpertContact.objects.filter(user_id=user_id).values_list("expert_key",
                                                                          flat=True))


@dataclass(frozen=True)
class IntroductionView:
    introduction: Introduction
    expert: Expert
    partner: Partner
    asks: bool  # the requester or their organisation's admin: may withdraw
    answers: bool  # answers for the expert: may accept or decline
    contacts: tuple[ExpertContact, ...]  # the expert's people: once accepted, to the company
    requester_email: str  # to the expert, once accepted


def introduction_get(access: Access, introduction_id: int) -> IntroductionView:
    intro = (Introduction.objects.filter(pk=introduction_id)
             .select_related("organisation", "requested_by").first())
    if intro is None:
        raise NotFound(_("Introduction not found."))
    answers = intro.expert_key in experts_answered_by(access.user_id)
    if not answers and not access.can_view_org(intro.organisation_id):
        raise NotFound(_("Introduction not found."))
    expert, partner = expert_get(intro.expert_key)
    accepted = intro.status == IntroductionStatus.ACCEPTED
    company_side = access.can_view_org(intro.organisation_id)
    return IntroductionView(
        introduction=intro, expert=expert, partner=partner,
        asks=access.user_id == intro.requested_by_id or access.is_org_admin(
            intro.organisation_id),
        answers=answers,
        contacts=tuple(contacts_of(intro.expert_key)) if accepted and company_side else (),
        requester_email=intro.requested_by.email if accepted and answers else "")


def introductions_of(access: Access, organisation_id: int) -> list[Introduction]:
    if not access.can_view_org(organisation_id):
        raise NotFound(_("Organisation not found."))
    return list(Introduction.objects.filter(organisation_id=organisation_id)
                .select_related("requested_by")[:MAX_LIST])


def introductions_to_answer(access: Access) -> list[Introduction]:
    """The introductions asked of the experts this person answers for, open ones first."""
    keys = experts_answered_by(access.user_id)
    if not keys:
        return []
    rows = list(Introduction.objects.filter(expert_key__in=keys)
                .select_related("organisation")[:MAX_LIST])
    rows.sort(key=lambda i: (i.status != IntroductionStatus.REQUESTED, -i.pk))
    return rows


def all_contacts() -> list[ExpertContact]:
    """Who answers for which expert (operators' page)."""
    return list(ExpertContact.objects.select_related("user").order_by("expert_key", "pk")[:1000])
