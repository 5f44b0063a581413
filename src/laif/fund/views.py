"""Pages of the cashback: the claim box of a statement, an organisation's claims and de minimis
total; admins compute and submit claims, operators mark them paid or refuse them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.sme_text import sme_label
from laif.accounts.views import is_htmx, page
from laif.billing.selectors import can_bill, organisation_of
from laif.fund import forms, selectors, services
from laif.fund.eligibility_text import reason_text


@page
@require_GET
def cashback_box(request: HttpRequest, statement_id: int) -> HttpResponse:
    access = access_of(request)
    preview = selectors.claim_preview(access=access, actor=None, statement_id=statement_id,
                                      on=timezone.localdate())
    template = "fund/_cashback_box.html" if is_htmx(request) else "fund/cashback_box_page.html"
    return render(request, template, {
        "preview": preview, "statement_id": statement_id, "is_staff": access.is_staff,
        "is_admin": any(access.is_org_admin(o) for o in access.org_roles)})


@page
@require_POST
def claim_compute(request: HttpRequest, statement_id: int) -> HttpResponse:
    try:
        claim = services.cashback_claim_compute(access=access_of(request),
                                                actor=actor_of(request),
                                                statement_id=statement_id)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("statement_detail", statement_id=statement_id)
    messages.success(request, _("The cashback claim is computed: check it and submit it."))
    return redirect("cashback_claims", org_id=claim.organisation_id)


@page
@require_GET
def claims(request: HttpRequest, org_id: int) -> HttpResponse:
    return _claims_page(request, org_id, forms.AidForm())


QUEUE_LIMIT = 500


@page
@require_GET
def claims_queue(request: HttpRequest) -> HttpResponse:
    """Submitted cashback claims of every organisation, oldest first (operators)."""
    found = list(selectors.claims_to_pay(access=access_of(request))[:QUEUE_LIMIT])
    return render(request, "fund/claims_queue.html", {"claims": found})


def _claims_page(request: HttpRequest, org_id: int, aid_form: forms.AidForm,
                 status: int = 200) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    found = selectors.claims_with_credits(access=access, actor=actor, organisation_id=org_id)
    total = selectors.de_minimis_for(access=access, actor=None, organisation_id=org_id,
                                     on=timezone.localdate())
    rows = [(claim, credited, max(0, total.headroom_for(claim)), total.over_for(claim))
            for claim, credited in found]
    return render(request, "fund/claims.html", {
        "org": organisation_of(org_id), "claims": rows, "de_minimis": total,
        "aid": selectors.aid_for(access=access, actor=None, organisation_id=org_id),
        "aid_form": aid_form,
        "is_admin": access.is_org_admin(org_id), "can_bill": can_bill(access),
        "rule": selectors.cashback_rule()}, status=status)


@page
@require_POST
def aid_declare(request: HttpRequest, org_id: int) -> HttpResponse:
    form = forms.AidForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.aid_declare(access=access_of(request), actor=actor_of(request),
                                 organisation_id=org_id, amount_cents=forms.cents(
                                     data["amount_eur"]), granted_on=data["granted_on"],
                                 legal_basis=data["legal_basis"], source=data["source"],
                                 recipient=data["recipient"])
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The aid is recorded."))
            return redirect("cashback_claims", org_id=org_id)
    return _claims_page(request, org_id, form, status=400)


def _claim_action(request: HttpRequest, claim_id: int, act: Callable[[], object],
                  done: str) -> HttpResponse:
    """Run ``act`` on a visible claim, say how it went, back to the organisation's claims."""
    claim = selectors.claim_get(access=access_of(request), actor=None, claim_id=claim_id)
    try:
        act()
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("cashback_claims", org_id=claim.organisation_id)


@page
@require_POST
def claim_submit(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _claim_action(request, claim_id, lambda: services.cashback_claim_submit(
        access=access_of(request), actor=actor_of(request), claim_id=claim_id),
        _("The cashback claim is submitted."))


@page
@require_POST
def claim_recompute(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _claim_action(request, claim_id, lambda: services.cashback_claim_recompute(
        access=access_of(request), actor=actor_of(request), claim_id=claim_id),
        _("The cashback claim is computed again: check it and submit it."))


@page
@require_POST
def claim_paid(request: HttpRequest, claim_id: int) -> HttpResponse:
    reduced = forms.ReducedGrantForm(request.POST)
    if not reduced.is_valid():
        claim = selectors.claim_get(access=access_of(request), actor=None, claim_id=claim_id)
        messages.error(request, _("The reduced amount is in euros, more than zero."))
        return redirect("cashback_claims", org_id=claim.organisation_id)
    amount = reduced.cleaned_data["reduced_to_eur"]
    return _claim_action(request, claim_id, lambda: services.cashback_claim_mark_paid(
        access=access_of(request), actor=actor_of(request), claim_id=claim_id,
        payment_reference=str(request.POST.get("payment_reference", "")),
        reduced_to_cents=None if amount is None else forms.cents(amount),
        reduction_reason=reduced.cleaned_data["reduction_reason"]),
        _("The claim is marked paid and recorded as aid received."))


@page
@require_POST
def claim_refuse(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _claim_action(request, claim_id, lambda: services.cashback_claim_refuse(
        access=access_of(request), actor=actor_of(request), claim_id=claim_id,
        reason=str(request.POST.get("reason", ""))),
        _("The claim is refused; the organisation sees the reason."))


@page
@require_GET
def funding_check(request: HttpRequest, org_id: int) -> HttpResponse:
    """The funding check: a GET form (bookmarkable, nothing recorded) and its results."""
    access, actor = access_of(request), actor_of(request)
    form = forms.FundingCheckForm(request.GET or None)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        result = selectors.funding_check(
            access=access, actor=actor, organisation_id=org_id, costs_eur=data["costs_eur"],
            compute_eur=data["compute_eur"] or Decimal(0), start_on=data["start_on"],
            apply_on=timezone.localdate())
    else:
        selectors.funding_check_visible(access=access, organisation_id=org_id)
    language = get_language() or "en"
    rows = [] if result is None else [
        {"c": c, "name": c.instrument.name.in_language(language),
         "reasons": [reason_text(r, c.instrument, language) for r in c.reasons]}
        for c in result.checks]
    return render(request, "fund/funding_check.html", {
        "org": organisation_of(org_id), "form": form, "result": result, "rows": rows,
        "warnings": [] if result is None else [reason_text(w) for w in result.warnings],
        "sme_label": sme_label(result.applicant.sme_class) if result is not None else ""})
