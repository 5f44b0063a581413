"""Pages of the cashback: the claim box of a statement, an organisation's claims and de minimis
total; admins compute and submit claims, operators mark them paid or refuse them."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views import page
from laif.billing.selectors import can_bill, organisation_of
from laif.fund import selectors, services


@page
@require_GET
def cashback_box(request: HttpRequest, statement_id: int) -> HttpResponse:
    access = access_of(request)
    preview = selectors.claim_preview(access=access, actor=None, statement_id=statement_id,
                                      on=timezone.localdate())
    template = ("fund/_cashback_box.html" if request.headers.get("HX-Request")
                else "fund/cashback_box_page.html")
    return render(request, template, {
        "preview": preview, "statement_id": statement_id,
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
    access, actor = access_of(request), actor_of(request)
    found = selectors.claims_with_credits(access=access, actor=actor, organisation_id=org_id)
    total = selectors.de_minimis_for(access=access, actor=None, organisation_id=org_id,
                                     on=timezone.localdate())
    return render(request, "fund/claims.html", {
        "org": organisation_of(org_id), "claims": found, "de_minimis": total,
        "is_admin": access.is_org_admin(org_id), "can_bill": can_bill(access),
        "rule": selectors.cashback_rule()})


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
    return _claim_action(request, claim_id, lambda: services.cashback_claim_mark_paid(
        access=access_of(request), actor=actor_of(request), claim_id=claim_id,
        payment_reference=str(request.POST.get("payment_reference", ""))),
        _("The claim is marked paid and recorded as aid received."))


@page
@require_POST
def claim_refuse(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _claim_action(request, claim_id, lambda: services.cashback_claim_refuse(
        access=access_of(request), actor=actor_of(request), claim_id=claim_id,
        reason=str(request.POST.get("reason", ""))),
        _("The claim is refused; the organisation sees the reason."))
