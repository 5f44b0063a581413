"""The page of an organisation's funding applications: its admins draft and submit them, the
factory's operators grant (with the legal basis, the grant date and, below the amount applied
for, the reason) or refuse them; each grant shows as aid in the de minimis total."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.selectors import organisation_get
from laif.accounts.views import form_action, page
from laif.billing.selectors import can_bill
from laif.fund import applications, forms, selectors
from laif.fund.instruments import funding_in_force
from laif.fund.models import FundingApplication


def _instruments() -> list[tuple[str, str]]:
    language = get_language() or "en"
    return [(i.code, i.name.in_language(language)) for i in funding_in_force(timezone.localdate()).instruments
            if i.kind != "compute_cashback"]


def _page(request: HttpRequest, org_id: int, status: int = 200, **forms_: Any) -> HttpResponse:
    """The page; a form that failed (``form``, or ``grant_form``/``refuse_form`` of the
    application ``failed``) is shown with its errors. Each application's forms have ids of
    their own."""
    access, actor = access_of(request), actor_of(request)
    org = organisation_get(access=access, actor=actor, organisation_id=org_id)
    names = dict(_instruments())
    rows = []
    for a in selectors.applications_for(access=access, organisation_id=org_id):
        ids = f"id_{a.pk}_%s"
        failed = forms_.get("failed") == a.pk
        rows.append((a, names.get(a.instrument, a.instrument),
                     forms_.get("grant_form") if failed and forms_.get("grant_form") else
                     forms.GrantForm(auto_id=ids, initial={"granted_on": timezone.localdate(),
                                                           "granted_eur": a.amount_cents / 100}),
                     forms_.get("refuse_form") if failed and forms_.get("refuse_form") else
                     forms.RefuseApplicationForm(auto_id=ids)))
    return render(request, "fund/applications.html", {
        "org": org, "rows": rows,
        "is_admin": access.is_org_admin(org_id), "can_decide": can_bill(access),
        "form": forms_.get("form") or forms.ApplicationForm(instruments=_instruments()),
        "total": selectors.de_minimis_total(org_id, timezone.localdate()),
    }, status=status)


@page
@require_http_methods(["GET", "POST"])
def applications_page(request: HttpRequest, org_id: int) -> HttpResponse:
    if request.method == "GET":
        return _page(request, org_id)
    form = forms.ApplicationForm(request.POST, instruments=_instruments())
    if form.is_valid():
        try:
            applications.application_create(
                access=access_of(request), actor=actor_of(request), organisation_id=org_id,
                instrument=form.cleaned_data["instrument"], title=form.cleaned_data["title"],
                amount_cents=forms.cents(form.cleaned_data["amount_eur"]))
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The application is drafted: submit it when ready."))
            return redirect("funding_applications", org_id=org_id)
    return _page(request, org_id, status=400, form=form)


def _application(request: HttpRequest, application_id: int) -> FundingApplication:
    return selectors.application_get(access=access_of(request), application_id=application_id)


@page
@require_POST
def application_submit(request: HttpRequest, application_id: int) -> HttpResponse:
    found = _application(request, application_id)
    try:
        applications.application_submit(access=access_of(request), actor=actor_of(request),
                                        application_id=application_id)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The application is submitted; the factory decides."))
    return redirect("funding_applications", org_id=found.organisation_id)


def _decide(request: HttpRequest, application_id: int, form: Any, name: str,
            act: Callable[[dict[str, Any]], object], done: str) -> HttpResponse:
    """An operator's decision from the page: done, or the page with the form's errors."""
    found = _application(request, application_id)
    if form_action(request, form, act, done):
        return redirect("funding_applications", org_id=found.organisation_id)
    return _page(request, found.organisation_id, status=400, failed=found.pk, **{name: form})


@page
@require_POST
def application_grant(request: HttpRequest, application_id: int) -> HttpResponse:
    return _decide(
        request, application_id,
        forms.GrantForm(request.POST, auto_id=f"id_{application_id}_%s"), "grant_form",
        lambda d: applications.application_grant(
            access=access_of(request), actor=actor_of(request), application_id=application_id,
            granted_cents=forms.cents(d["granted_eur"]), granted_on=d["granted_on"],
            legal_basis=d["legal_basis"], reference=d["reference"],
            reduction_reason=d["reduction_reason"]),
        _("The application is granted and recorded as aid."))


@page
@require_POST
def application_refuse(request: HttpRequest, application_id: int) -> HttpResponse:
    return _decide(
        request, application_id,
        forms.RefuseApplicationForm(request.POST, auto_id=f"id_{application_id}_%s"),
        "refuse_form",
        lambda d: applications.application_refuse(
            access=access_of(request), actor=actor_of(request), application_id=application_id,
            reason=d["reason"]),
        _("The application is refused; its admins are told."))
