"""The operators' pages of the funding rules: the instruments in force, and publishing a new
version of one (in force from its date, without code), with each instrument's history."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views import page
from laif.billing.selectors import can_bill
from laif.fund import forms, instruments


def _operator(request: HttpRequest) -> None:
    if not can_bill(access_of(request)):
        raise HttpForbidden(_("The factory's operators publish funding rules."))


@page
@require_GET
def instrument_list(request: HttpRequest) -> HttpResponse:
    _operator(request)
    language = get_language() or "en"
    in_force = instruments.funding_in_force(timezone.localdate())
    return render(request, "fund/instruments.html", {
        "rows": [(i, i.name.in_language(language)) for i in in_force.instruments],
        "funding": in_force})


@page
@require_http_methods(["GET", "POST"])
def instrument_publish(request: HttpRequest, code: str) -> HttpResponse:
    _operator(request)
    current = instruments.instrument_in_force(code)
    base = instruments.as_data(current)
    form = forms.InstrumentVersionForm(
        request.POST or None,
        initial={**forms.InstrumentVersionForm.initial_of(base),
                 "effective_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            instruments.instrument_publish(
                access=access_of(request), actor=actor_of(request), code=code,
                data=form.version_data(base), effective_from=form.cleaned_data["effective_from"],
                note=form.cleaned_data["note"])
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The new version is published; it applies from its "
                                        "date."))
            return redirect("funding_instrument", code=code)
    return render(request, "fund/instrument_form.html", {
        "instrument": current, "name": current.name.in_language(get_language() or "en"),
        "form": form, "versions": instruments.versions_of(code),
        "share": current.kind == "share_of_costs"})
