"""The SME status page of an organisation: its declarations (figures and holdings per accounting
year), what the verification found and why; admins declare, operators verify or reject."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts import forms, selectors, services, sme_status
from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.models import SmeDeclaration
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.sme_text import reason_text, sme_label
from laif.accounts.views._base import page


def _rows(declarations: list[SmeDeclaration]) -> list[dict[str, Any]]:
    return [{"d": d, "reasons": [reason_text(r) for r in d.reasons],
             "class_label": sme_label(d.sme_class),
             "year_class_label": sme_label(d.year_class),
             # one note field per declaration, each with its own id for its label
             "review_form": forms.SmeReviewForm(auto_id=f"review-{d.pk}-%s")}
            for d in declarations]


def _stakes_data(formset: Any) -> tuple[services.SmeStakeData, ...]:
    zero = Decimal(0)
    return tuple(
        services.SmeStakeData(
            name=f.cleaned_data["name"], direction=f.cleaned_data["direction"],
            holder_kind=f.cleaned_data["holder_kind"],
            capital_percent=f.cleaned_data["capital_percent"],
            votes_percent=f.cleaned_data["votes_percent"], control=f.cleaned_data["control"],
            staff_awu=f.cleaned_data["staff_awu"] or zero,
            turnover_eur=f.cleaned_data["turnover_eur"] or zero,
            balance_sheet_eur=f.cleaned_data["balance_sheet_eur"] or zero,
            invested_eur=f.cleaned_data["invested_eur"])
        for f in formset.forms if f.has_changed() and f.cleaned_data)


@page
@require_http_methods(["GET", "POST"])
def sme_declarations(request: HttpRequest, org_id: int) -> HttpResponse:
    access = access_of(request)
    actor = actor_of(request)
    org = selectors.organisation_get(access=access, actor=actor, organisation_id=org_id)
    is_admin = access.is_org_admin(org.pk)
    form = formset = None
    if is_admin:
        last_year = timezone.localdate().year - 1
        form = forms.SmeDeclarationForm(request.POST or None, initial={"year": last_year})
        formset = forms.SmeStakeFormSet(request.POST or None, prefix="stakes")
        if request.method == "POST" and form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                declaration = services.sme_declaration_submit(
                    access=access, actor=actor, organisation_id=org.pk,
                    data=services.SmeDeclarationData(
                        year=data["year"], staff_awu=data["staff_awu"],
                        turnover_eur=data["turnover_eur"],
                        balance_sheet_eur=data["balance_sheet_eur"],
                        estimated=data["estimated"], ownership_changed=data["ownership_changed"],
                        stakes=_stakes_data(formset)))
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                if exc.field and exc.field.startswith("stakes."):
                    form.add_error(None, exc.message)
                else:
                    form.add_domain_error(exc)
            else:
                messages.success(request, _(
                    "Your declaration for %(year)s is submitted: the factory verifies it against "
                    "your accounts, and you are told when it is done.")
                    % {"year": declaration.year})
                return redirect("sme_declarations", org_id=org.pk)
    elif request.method == "POST":
        raise PermissionDenied(_("Only an organisation admin declares its SME figures."))
    declarations = list(selectors.sme_declarations(access=access, organisation_id=org.pk,
                                                   actor=actor))
    status = selectors.sme_status_of(org.pk, timezone.localdate().year)
    return render(request, "accounts/sme_declarations.html", {
        "org": org, "is_admin": is_admin, "form": form, "formset": formset,
        "rows": _rows(declarations),
        "status": status,
        "status_label": sme_label(status.sme_class) if status else "",
        "status_reasons": [reason_text(r) for r in status.reasons] if status else [],
        "can_review": StaffRoleName.OPERATOR in access.staff_roles,
        "source": (sme_status.SOURCE_FR if (get_language() or "en").startswith("fr")
                   else sme_status.SOURCE),
    })


@page
@require_POST
def sme_declaration_review(request: HttpRequest, org_id: int,
                           declaration_id: int) -> HttpResponse:
    access = access_of(request)
    form = forms.SmeReviewForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    decision = request.POST.get("decision", "")
    try:
        if decision == "verify":
            declaration = services.sme_declaration_verify(
                access=access, actor=actor_of(request), declaration_id=declaration_id,
                note=note)
            messages.success(request, _("Declaration for %(year)s verified: %(klass)s.")
                             % {"year": declaration.year,
                                "klass": sme_label(declaration.sme_class)})
        elif decision == "reject":
            declaration = services.sme_declaration_reject(
                access=access, actor=actor_of(request), declaration_id=declaration_id,
                note=note)
            messages.success(request, _("Declaration for %(year)s rejected.")
                             % {"year": declaration.year})
        else:
            messages.error(request, _("Choose to verify or to reject."))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("sme_declarations", org_id=org_id)


@page
@require_GET
def sme_queue(request: HttpRequest) -> HttpResponse:
    """The operators' queue: declarations of every organisation waiting for verification."""
    waiting = list(selectors.sme_declarations_to_verify(access=access_of(request)))
    return render(request, "accounts/sme_queue.html", {"waiting": waiting})
