"""Pages of Upskill & Train: the catalogue (public) with the courses a maturity check
recommends, a course and its sessions, a session (enrol, the waitlist and its offer, the
calendar file; for trainers the roster, seats and attendance), one's own training, a
certificate's public verification page and PDF, the trainers' course form and the year's
sessions against the target."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts.access import Access
from laif.accounts.errors import Conflict, NotFound, PermissionDenied
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.selectors import members_of, organisations_for
from laif.accounts.views import domain_pages, form_action, page
from laif.catalogue.assess import load_questionnaire
from laif.ops.charts import WIDTH, bars
from laif.train import chart, documents, forms, selectors, services
from laif.train.models import Course, EnrolmentStatus, TrainingSession


def _lang() -> str:
    return (get_language() or "en")[:2]


def card(c: Course, lang: str) -> dict[str, Any]:
    """A course as the pages show it: its texts and the catalogue's labels in ``lang``."""
    cat = selectors.catalogue()
    return {"course": c, "title": c.title_in(lang), "summary": c.summary_in(lang),
            "prerequisites": c.prerequisites_in(lang),
            "audience": cat.label("audiences", c.audience, lang),
            "level": cat.label("levels", c.level, lang),
            "language": cat.label("languages", c.language, lang),
            "format": cat.label("formats", c.format, lang),
            "provider": cat.label("providers", c.provider, lang),
            "upcoming": getattr(c, "upcoming", None)}


def _dimension_names() -> dict[str, str]:
    return {d.key: d.in_language(_lang()) for d in load_questionnaire().dimensions}


@require_GET
@domain_pages
def catalogue(request: HttpRequest) -> HttpResponse:
    access, lang = access_of(request), _lang()
    cat = selectors.catalogue()
    filters = forms.CourseFilterForm(request.GET or None, catalogue=cat, language=lang)
    f = selectors.CourseFilter(language_of_page=lang)
    if filters.is_valid():
        f = selectors.CourseFilter(**{k: v or "" for k, v in filters.cleaned_data.items()},
                                   language_of_page=lang)
    recommendation = None
    orgs = sorted(access.org_roles)
    if orgs:
        recommendation = selectors.recommended(access, orgs[0], lang)
    return render(request, "train/catalogue.html", {
        "nav": "training",
        "courses": [card(c, lang) for c in selectors.courses(access, f)[:selectors.MAX_LIST]],
        "filters": filters, "lang": lang, "recommendation": recommendation,
        "recommended": [card(c, lang) for c in recommendation.courses] if recommendation else [],
        "is_trainer": selectors.is_trainer(access)})


def _course_form(request: HttpRequest, course: Course | None) -> forms.CourseForm:
    initial: dict[str, Any] = {}
    if course is not None:
        initial = {f: getattr(course, f) for f in (
            "key", "title_en", "title_fr", "summary_en", "summary_fr", "prerequisites_en",
            "prerequisites_fr", "audience", "level", "language", "format", "provider",
            "duration_hours", "dimensions", "active")}
    return forms.CourseForm(request.POST or None, initial=initial, catalogue=selectors.catalogue(),
                            language=_lang(), dimension_names=_dimension_names(),
                            editing=course is not None)


def _course_data(d: dict[str, Any]) -> services.CourseData:
    return services.CourseData(
        title_en=d["title_en"], title_fr=d["title_fr"], summary_en=d["summary_en"],
        summary_fr=d["summary_fr"], prerequisites_en=d["prerequisites_en"],
        prerequisites_fr=d["prerequisites_fr"], audience=d["audience"], level=d["level"],
        language=d["language"], format=d["format"], provider=d["provider"],
        duration_hours=d["duration_hours"], dimensions=tuple(d["dimensions"]),
        active=d["active"])


@page
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, course_id: int | None = None) -> HttpResponse:
    access, actor = access_of(request), actor_of(request)
    if not selectors.is_trainer(access):
        raise PermissionDenied(_("Only the factory's trainers do this."))
    course = selectors.course_get(access, course_id) if course_id is not None else None
    form = _course_form(request, course)
    if request.method == "POST":
        made: list[Course] = []

        def act(d: dict[str, Any]) -> None:
            if course is None:
                made.append(services.course_create(access=access, actor=actor, key=d["key"],
                                                   data=_course_data(d)))
            else:
                made.append(services.course_update(access=access, actor=actor,
                                                   course_id=course.pk, data=_course_data(d)))

        if form_action(request, form, act, _("The course is saved.")):
            return redirect("train_course", course_id=made[0].pk)
    return render(request, "train/course_form.html", {"nav": "training", "course": course,
                                                      "form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@domain_pages
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    access, lang = access_of(request), _lang()
    c = selectors.course_get(access, course_id)
    is_trainer = selectors.is_trainer(access)
    form = forms.SessionForm(request.POST or None) if is_trainer else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only the factory's trainers do this."))
        made: list[TrainingSession] = []
        if form_action(request, form, lambda d: made.append(services.session_create(
                access=access, actor=actor_of(request), course_id=c.pk, starts_at=d["starts_at"],
                ends_at=d["ends_at"], place=d["place"], capacity=d["capacity"])),
                _("The session is scheduled.")):
            return redirect("train_session", session_id=made[0].pk)
    sessions = selectors.sessions_of(c.pk, upcoming_only=not is_trainer)
    return render(request, "train/course.html", {
        "nav": "training", "course": c, "card": card(c, lang),
        "sessions": [(t, selectors.free_seats(t)) for t in sessions], "is_trainer": is_trainer,
        "form": form, "dimension_names": _dimension_names()},
        status=400 if form is not None and form.errors else 200)


def _enrol_form(request: HttpRequest, access: Access, *,
                include_self: bool = True) -> forms.EnrolForm | None:
    """Yourself (unless already in) or a colleague of your organisations; None when there is
    nobody left to enrol."""
    if not access.org_roles or access.user_id is None:
        return None
    orgs = list(organisations_for(access).filter(pk__in=list(access.org_roles)))
    people: list[tuple[int, str]] = [(access.user_id, _("Myself"))] if include_self else []
    for org in orgs:
        for m in members_of(access=access, organisation_id=org.pk):
            if m.user_id != access.user_id and m.user.is_active:
                people.append((m.user_id, m.user.get_full_name() or m.user.email))
    unique = list(dict.fromkeys(people))
    if not unique:
        return None
    return forms.EnrolForm(request.POST or None, organisations=[(o.pk, o.name) for o in orgs],
                           people=unique)


def _session_page(request: HttpRequest, session_id: int, *,
                  enrol_form: forms.EnrolForm | None = None,
                  seats_form: forms.SessionForm | None = None,
                  attendance_form: forms.AttendanceForm | None = None,
                  status: int = 200) -> HttpResponse:
    access = access_of(request)
    t = selectors.session_get(access, session_id)
    is_trainer = selectors.is_trainer(access)
    roster = selectors.roster(access, t.pk) if is_trainer else []
    now = timezone.now()
    if is_trainer and seats_form is None and t.cancelled_at is None:
        seats_form = forms.SessionForm(initial={
            "starts_at": timezone.localtime(t.starts_at), "ends_at": timezone.localtime(t.ends_at),
            "place": t.place, "capacity": t.capacity})
    if is_trainer and attendance_form is None and t.ends_at <= now and t.cancelled_at is None:
        attendance_form = forms.AttendanceForm(participants=[
            (e.pk, e.person.get_full_name() or e.person.email, e.attendance_percent)
            for e in roster if e.status == EnrolmentStatus.CONFIRMED])
    mine = selectors.my_enrolment(access, t.pk)
    mine_active = mine is not None and mine.enrolment.status in (
        EnrolmentStatus.CONFIRMED, EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED)
    open_for_enrolment = t.cancelled_at is None and t.starts_at > now
    if open_for_enrolment and enrol_form is None:
        enrol_form = _enrol_form(request, access, include_self=not mine_active)
    return render(request, "train/session.html", {
        "nav": "training", "s": t, "course": t.course, "card": card(t.course, _lang()),
        "free": selectors.free_seats(t), "mine": mine,
        "mine_active": mine_active, "enrol_form": enrol_form if open_for_enrolment else None,
        "open": open_for_enrolment, "is_trainer": is_trainer, "roster": roster,
        "same_day": timezone.localdate(t.starts_at) == timezone.localdate(t.ends_at),
        "seats_form": seats_form, "attendance_form": attendance_form,
        "threshold": selectors.catalogue().attendance_threshold_percent}, status=status)


@require_GET
@domain_pages
def session(request: HttpRequest, session_id: int) -> HttpResponse:
    return _session_page(request, session_id)


@page
@require_POST
def enrol(request: HttpRequest, session_id: int) -> HttpResponse:
    access = access_of(request)
    form = _enrol_form(request, access)
    if form is None:
        raise PermissionDenied(_("Enrol as a member of your organisation."))
    if form_action(request, form, lambda d: services.enrolment_create(
            access=access, actor=actor_of(request), session_id=session_id,
            organisation_id=d["organisation_id"], person_id=d["person_id"]),
            _("Enrolled: see your place below.")):
        return redirect("train_session", session_id=session_id)
    return _session_page(request, session_id, enrol_form=form, status=400)


ACTIONS = {"accept": (services.enrolment_accept, gettext_lazy("You have the seat.")),
           "decline": (services.enrolment_decline,
                       gettext_lazy("Offer declined: the seat passes on.")),
           "cancel": (services.enrolment_cancel, gettext_lazy("Enrolment cancelled."))}


@page
@require_POST
def enrolment_action(request: HttpRequest, enrolment_id: int, action: str) -> HttpResponse:
    access = access_of(request)
    e = selectors.enrolment_get(access, enrolment_id)
    act, done = ACTIONS[action]
    try:
        act(access=access, actor=actor_of(request), enrolment_id=enrolment_id)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done))
    target = request.POST.get("next", "")
    if target == "mine":
        return redirect("train_mine")
    return redirect("train_session", session_id=e.session_id)


@page
@require_POST
def session_seats(request: HttpRequest, session_id: int) -> HttpResponse:
    access = access_of(request)
    form = forms.SessionForm(request.POST)
    if form_action(request, form, lambda d: services.session_update(
            access=access, actor=actor_of(request), session_id=session_id,
            starts_at=d["starts_at"], ends_at=d["ends_at"], place=d["place"],
            capacity=d["capacity"]), _("The session is saved.")):
        return redirect("train_session", session_id=session_id)
    return _session_page(request, session_id, seats_form=form, status=400)


@page
@require_POST
def session_cancel(request: HttpRequest, session_id: int) -> HttpResponse:
    services.session_cancel(access=access_of(request), actor=actor_of(request),
                            session_id=session_id)
    messages.success(request, _("The session is cancelled; everyone enrolled is told."))
    return redirect("train_session", session_id=session_id)


@page
@require_POST
def attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    access = access_of(request)
    if not selectors.is_trainer(access):
        raise PermissionDenied(_("Only the factory's trainers do this."))
    roster = selectors.roster(access, session_id)
    form = forms.AttendanceForm(request.POST, participants=[
        (e.pk, e.person.get_full_name() or e.person.email, e.attendance_percent)
        for e in roster if e.status == EnrolmentStatus.CONFIRMED])
    if form_action(request, form, lambda d: services.attendance_record(
            access=access, actor=actor_of(request), session_id=session_id, marks=form.marks()),
            _("Attendance recorded; certificates issued to those at or above the threshold.")):
        return redirect("train_session", session_id=session_id)
    return _session_page(request, session_id, attendance_form=form, status=400)


@require_GET
@domain_pages
def session_ics(request: HttpRequest, session_id: int) -> HttpResponse:
    t = selectors.session_get(access_of(request), session_id)
    response = HttpResponse(documents.session_ics(t, _lang()),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="training-session-{t.pk}.ics"'
    return response


@page
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    enrolments = selectors.enrolments_of(access)
    positions = {}
    for e in enrolments:
        if e.status == EnrolmentStatus.WAITLISTED and e.person_id == access.user_id:
            found = selectors.my_enrolment(access, e.session_id)
            positions[e.pk] = found.position if found else None
    return render(request, "train/mine.html", {
        "nav": "training", "enrolments": [(e, positions.get(e.pk)) for e in enrolments],
        "certificates": selectors.certificates_of(access), "lang": _lang()})


@require_http_methods(["GET", "POST"])
@domain_pages
def certificate(request: HttpRequest, uid: str) -> HttpResponse:
    """The public verification page: valid or revoked, the holder's name and the course, nothing
    else; its holder and trainers also find the PDF here, and trainers can revoke it."""
    access = access_of(request)
    cert = selectors.certificate_public(uid)
    if cert is None:
        return render(request, "train/certificate.html", {"cert": None, "uid": uid[:40]},
                      status=404)
    if cert.uid != uid:
        return redirect("train_certificate", uid=cert.uid)
    is_trainer = selectors.is_trainer(access)
    form = forms.RevokeForm(request.POST or None) if is_trainer else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only the factory's trainers do this."))
        if form_action(request, form, lambda d: services.certificate_revoke(
                access=access, actor=actor_of(request), uid=cert.uid, reason=d["reason"]),
                _("The certificate is revoked.")):
            return redirect("train_certificate", uid=cert.uid)
    try:
        selectors.certificate_for_download(access, cert.uid)
        may_download = True
    except NotFound:
        may_download = False
    return render(request, "train/certificate.html", {
        "cert": cert, "title": cert.title_in(_lang()), "may_download": may_download,
        "form": form, "url": documents.verification_url(cert.uid)},
        status=400 if form is not None and form.errors else 200)


@page
@require_GET
def certificate_pdf(request: HttpRequest, uid: str) -> HttpResponse:
    cert = selectors.certificate_for_download(access_of(request), uid)
    response = HttpResponse(documents.certificate_pdf(cert, _lang()),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.uid}.pdf"'
    return response


@page
@require_GET
def year(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    if not access.is_staff:
        raise Http404(_("Page not found."))
    try:
        which = int(request.GET.get("year", timezone.localdate().year))
    except ValueError:
        which = timezone.localdate().year
    which = min(max(which, 2000), 2100)
    y = selectors.year_summary(access, which)
    cat, lang = selectors.catalogue(), _lang()
    months = [date_format(date(which, m, 1), "M") for m in range(1, 13)]
    return render(request, "train/year.html", {
        "nav": "training_year", "y": y, "width": WIDTH,
        "pace": chart.pace(list(zip(months, y.monthly, strict=True)), y.target_low,
                           y.target_high),
        "bar_charts": [
            ("audience", _("Sessions by audience"),
             bars([(cat.label("audiences", k, lang).split(":")[0], n)
                   for k, n, _p in y.by_audience])),
            ("language", _("Sessions by language"),
             bars([(cat.label("languages", k, lang), n) for k, n, _p in y.by_language]))],
        "by_audience": [(cat.label("audiences", k, lang), n, p) for k, n, p in y.by_audience],
        "by_language": [(cat.label("languages", k, lang), n, p) for k, n, p in y.by_language],
        "prev": which - 1, "next": which + 1, "catalogue_url": reverse("train_catalogue")})
