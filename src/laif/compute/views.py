"""Pages of the compute context: GPU allocations of a client's projects, the request form, the
reviewers' queue and the pools dashboard (thin: forms call services, pages read selectors)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts import selectors as account_selectors
from laif.accounts.errors import DomainError, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views import page
from laif.allocations import awards as award_files
from laif.allocations import eurohpc, review, selectors, services
from laif.allocations.choices import RequestStatus
from laif.allocations.permissions import can_import_awards, can_review, sees_pools
from laif.cluster.selectors import jobs_unisolated
from laif.compute import forms
from laif.usage import selectors as ledger_selectors
from laif.usage.balance import balances_of

if TYPE_CHECKING:
    from laif.accounts.models import Project
    from laif.allocations.models import Allocation, AllocationRequest

LIST_LIMIT = 200


def _access_titles() -> dict[str, str]:
    language = get_language() or "en"
    return {a.key: a.title_in(language) for a in services.cluster().access_types}


def titled(items: Iterable[AllocationRequest | Allocation]) -> list[Any]:
    """Attach ``access_title`` (the access type's name in the page's language)."""
    titles = _access_titles()
    out = list(items)
    for item in out:
        item.__dict__["access_title"] = titles.get(item.access_type, item.access_type)
    return out


def with_grants(requests: Iterable[AllocationRequest]) -> list[Any]:
    """Requests with ``access_title`` and ``granted`` (what the review granted, if approved),
    for the tables that show asked and granted side by side."""
    out = titled(requests)
    grants = selectors.granted_for(out)
    for item in out:
        item.__dict__["granted"] = grants.get(item.pk)
    return out


def _with_balances(allocations: list[Any]) -> list[Any]:
    figures = balances_of(allocations)
    for item in allocations:
        item.__dict__["balance"] = figures[item.pk]
    return allocations


def no_client_data(request: HttpRequest) -> None:
    access = access_of(request)
    if access.is_staff and not access.sees_all_clients:
        raise HttpForbidden(_("Your role gives no access to client allocations."))


def _period_label(bounds: tuple[Any, Any]) -> str:
    return _("%(start)s to %(end)s") % {"start": date_format(bounds[0], "DATE_FORMAT"),
                                        "end": date_format(bounds[1], "DATE_FORMAT")}


# --------------------------------------------------------------------------- client pages


@page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    no_client_data(request)
    access = access_of(request)
    language = get_language() or "en"
    visible = list(account_selectors.projects_for(access))
    projects = [p for p in visible if access.can_manage_project(p.pk, p.organisation_id)]
    return render(request, "compute/home.html", {
        "cluster": services.cluster(),
        "access_types": [(a, a.title_in(language), a.summary_in(language))
                         for a in services.cluster().access_types],
        "requests": with_grants(selectors.requests_for(access)[:LIST_LIMIT]),
        "allocations": _with_balances(titled(selectors.allocations_for(access)[:LIST_LIMIT])),
        "manageable_projects": projects,
        "job_projects": [p for p in visible if p.pk in access.project_roles
                         or access.can_manage_project(p.pk, p.organisation_id)],
        "is_staff_view": access.sees_all_clients,
        "can_review": can_review(access),
        "unisolated": jobs_unisolated(),
    })


def _project_for_request(request: HttpRequest, project_id: int) -> Project:
    access = access_of(request)
    project = account_selectors.project_get(access=access, actor=actor_of(request),
                                            project_id=project_id)
    if not access.can_manage_project(project.pk, project.organisation_id):
        raise HttpForbidden(_("Only the project lead or an organisation admin can request "
                              "GPU-hours."))
    return project


PREFILL = {"title": 200, "justification": 5000, "expected_outputs": 5000, "data_sensitivity": 20,
           "requested_gpu_hours": 10}


def _prefill(request: HttpRequest) -> dict[str, str]:
    """The form's fields filled in from the address (a request to the factory or a use case of
    a roadmap links here with what it holds): text only, cut to each field's length, validated
    on submission."""
    return {name: request.GET[name].replace("\x00", "")[:limit]
            for name, limit in PREFILL.items() if request.GET.get(name)}


@page
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _project_for_request(request, project_id)
    names = {"current": _("current period"), "next": _("next period")}
    periods = [(key, f"{_period_label(bounds)} ({names[key]})")
               for key, bounds in services.period_choices()]
    form = forms.SubmitForm(request.POST or None, periods=periods,
                            initial=_prefill(request) if request.method == "GET" else None)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.allocation_request_submit(
                access=access_of(request), actor=actor_of(request), project_id=project.pk,
                data=form.data_for_service(), period=form.cleaned_data["period"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            done = _("Your request is submitted; the reviewers are told. You will get an "
                     "e-mail when they decide.")
            cut = review.cut_short(req, timezone.localdate())
            messages.success(request, f"{done} {cut}" if cut else done)
            return redirect("compute_request", request_id=req.pk)
    return render(request, "compute/request_form.html", {
        "project": project, "form": form, "resubmit": False,
    })


def _detail_page(request: HttpRequest, request_id: int,
                 review_form: forms.ReviewForm | None = None,
                 status: int = 200) -> HttpResponse:
    access = access_of(request, refresh=True)
    req = selectors.request_get(access=access, actor=actor_of(request), request_id=request_id)
    project = req.project
    manage = access.can_manage_project(project.pk, project.organisation_id)
    reviewing = can_review(access) and req.status == RequestStatus.SUBMITTED
    pool = None
    if reviewing:
        usage = ledger_selectors.pool_usage(access=access, period_id=req.period_id)
        pool = next((u for u in usage if u.pool.pk == req.pool_id), None)
    titled([req])
    allocation = getattr(req, "allocation", None)
    if allocation is not None:
        _with_balances([allocation])
    context: dict[str, Any] = {
        "req": req,
        "events": list(req.events.all()),
        "allocation": allocation,
        "can_withdraw": manage and req.is_open,
        "can_resubmit": manage and req.status == RequestStatus.CHANGES_REQUESTED,
        "review_form": (review_form or forms.ReviewForm()) if reviewing else None,
        "pool_usage": pool,
    }
    if reviewing:  # what the reviewer weighs: the project's other grants, the flags, the dates
        today = timezone.localdate()
        context["project_allocations"] = _with_balances(titled(
            selectors.allocations_for(access, project_id=project.pk)))
        context["flags"] = review.review_flags(
            req, today=today, pool_left=pool.figures.left if pool is not None else None)
        context["dates_if_approved"] = review.dates_if_approved(req, today)
    return render(request, "compute/request_detail.html", context, status=status)


@page
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _detail_page(request, request_id)


@page
@require_POST
def request_withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        services.allocation_request_withdraw(access=access_of(request), actor=actor_of(request),
                                             request_id=request_id)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request is withdrawn."))
    return redirect("compute_request", request_id=request_id)


@page
@require_http_methods(["GET", "POST"])
def request_resubmit(request: HttpRequest, request_id: int) -> HttpResponse:
    access = access_of(request)
    req = selectors.request_get(access=access, actor=actor_of(request), request_id=request_id)
    if not access.can_manage_project(req.project_id, req.project.organisation_id):
        raise HttpForbidden(_("Only the project lead or an organisation admin can resubmit "
                              "the request."))
    if req.status != RequestStatus.CHANGES_REQUESTED:
        messages.info(request, _("Only a request on which the reviewers asked for changes can "
                                 "be resubmitted."))
        return redirect("compute_request", request_id=req.pk)
    initial = {name: getattr(req, name) for name in
               ("title", "access_type", "requested_gpu_hours", "justification",
                "expected_outputs", "data_sensitivity")}
    initial["requested_months"] = (req.requested_months
                                   or services.access_type_get(req.access_type)
                                   .max_duration_months)
    form = forms.AllocationRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_request_resubmit(access=access, actor=actor_of(request),
                                                 request_id=req.pk,
                                                 data=form.data_for_service())
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Your request is resubmitted for review."))
            return redirect("compute_request", request_id=req.pk)
    comment = next((e.comment for e in reversed(list(req.events.all()))
                    if e.decision == RequestStatus.CHANGES_REQUESTED), "")
    return render(request, "compute/request_form.html", {
        "project": req.project, "form": form, "resubmit": True, "req": req,
        "reviewer_comment": comment,
    })


# --------------------------------------------------------------------------- staff pages


@page
@require_POST
def request_review(request: HttpRequest, request_id: int) -> HttpResponse:
    access = access_of(request)
    if not selectors.requests_for(access).filter(pk=request_id).exists():
        raise NotFound(_("Allocation request not found."))
    if not can_review(access):
        raise HttpForbidden(_("Only reviewers decide on allocation requests."))
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        try:
            req = review.allocation_review(
                access=access, actor=actor_of(request), request_id=request_id,
                decision=form.cleaned_data["decision"], gpu_hours=form.cleaned_data["gpu_hours"],
                comment=form.cleaned_data["comment"],
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            done = {
                RequestStatus.APPROVED: _("Approved: the allocation is created."),
                RequestStatus.REJECTED: _("Rejected; the project is told why."),
                RequestStatus.CHANGES_REQUESTED: _("The project is asked for changes."),
            }
            messages.success(request, done.get(RequestStatus(req.status), _("Saved.")))
            return redirect("compute_review_queue")
    return _detail_page(request, request_id, review_form=form, status=400)


@page
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    return render(request, "compute/review_queue.html", {
        "requests": with_grants(selectors.review_queue(access=access)[:LIST_LIMIT]),
        "can_review": can_review(access),
    })


def _pools_page(request: HttpRequest, form: forms.AwardImportForm | None = None,
                problems: list[str] | None = None, status: int = 200) -> HttpResponse:
    access = access_of(request)
    usage = ledger_selectors.pool_usage(access=access)
    periods: dict[int, list[ledger_selectors.PoolUsage]] = {}
    for u in usage:
        periods.setdefault(u.pool.period_id, []).append(u)
    current = selectors.current_period()
    importer = can_import_awards(access)
    return render(request, "compute/pools.html", {
        "periods": [(rows[0].pool.period, rows) for rows in periods.values()],
        "current_period": current,
        "cluster": services.cluster(),
        "import_form": (form or forms.AwardImportForm()) if importer else None,
        "import_problems": problems or [],
    }, status=status)


@page
@require_GET
def pools(request: HttpRequest) -> HttpResponse:
    if not sees_pools(access_of(request)):
        raise HttpForbidden(_("Only operators, reviewers and auditors see the pools."))
    return _pools_page(request)


@page
@require_POST
def eurohpc_import(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    if not can_import_awards(access):
        raise HttpForbidden(_("Only operators can import EuroHPC awards."))
    form = forms.AwardImportForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            awards = award_files.parse_file(upload.read(award_files.MAX_BYTES + 1),
                                            upload.name or "")
            result = eurohpc.eurohpc_import(access=access, actor=actor_of(request),
                                             awards=awards)
        except award_files.AwardFileError as exc:
            problems = exc.problems
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            problems = [exc.message]
        else:
            messages.success(request, _(
                "%(created)d EuroHPC award(s) imported, %(unchanged)d already there "
                "and unchanged.") % {"created": len(result.created),
                                     "unchanged": len(result.unchanged)})
            return redirect("compute_pools")
    return _pools_page(request, form=form, problems=problems, status=400)
