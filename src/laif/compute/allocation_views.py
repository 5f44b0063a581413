"""The page of one allocation: its figures, the history of its changes, and the form through
which its project asks for a renewal, an extension or a top-up (thin: the rules are in
``laif.allocations.changes``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views import page
from laif.allocations import changes, selectors
from laif.compute import forms
from laif.compute.balance_views import balance_panels
from laif.compute.views import no_client_data


@page
@require_http_methods(["GET", "POST"])
def allocation_detail(request: HttpRequest, allocation_id: int) -> HttpResponse:
    no_client_data(request)
    access = access_of(request)
    allocation = selectors.allocation_get(access=access, actor=actor_of(request),
                                          allocation_id=allocation_id)
    can_change = access.can_manage_project(allocation.project_id,
                                           allocation.project.organisation_id)
    form = forms.ChangeRequestForm(request.POST or None)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(_("Only the project lead or an organisation admin can ask to "
                                     "change the allocation."))
        if form.is_valid():
            try:
                req = changes.allocation_change_submit(
                    access=access, actor=actor_of(request), allocation_id=allocation.pk,
                    data=form.data_for_service())
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Your request is sent to the reviewers."))
                return redirect("compute_request", request_id=req.pk)
    [panel] = balance_panels([allocation])
    return render(request, "compute/allocation_detail.html", {
        "allocation": panel["allocation"],
        "balance": panel["balance"],
        "panel": panel,
        "history": list(allocation.changes.all()),
        "change_requests": list(selectors.change_requests_of(allocation)),
        "renewed_by": selectors.renewed_by(allocation),
        "can_change": can_change,
        "form": form,
    })
