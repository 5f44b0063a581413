"""Login, logout, sign-up, language switch and the home page of each role."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import LANGUAGE_QUERY_PARAMETER

from laif.accounts import forms, selectors, services, throttle
from laif.accounts.access import access_for
from laif.accounts.errors import DomainError
from laif.accounts.language import CHOSEN_BEFORE_LOGIN
from laif.accounts.language import offered as language_offered
from laif.accounts.models import (
    User,
)
from laif.accounts.requestinfo import access_of, actor_of, client_ip, current_user
from laif.accounts.staff_queues import landing_of, staff_queues_for
from laif.accounts.views._base import (
    MODEL_BACKEND,
    page,
    safe_next,
)
from laif.accounts.views.projects import project_cards
from laif.catalogue import load_pillars


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if current_user(request) is not None:
        return redirect(safe_next(request, "home"))
    form = forms.LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        ip = client_ip(request)
        # django-axes (first authentication backend) refuses a locked (account, address) and
        # counts the failure otherwise: laif/accounts/throttle.py.
        try:
            user = authenticate(request, email=email, password=form.cleaned_data["password"])
            if isinstance(user, User):
                services.login_record(email=email, ip=ip, user=user)
                login(request, user, backend=MODEL_BACKEND)
                return redirect(safe_next(request, landing_of(access_for(user).staff_roles)))
            if throttle.password_was_checked(request):
                services.login_record(email=email, ip=ip, user=None)
        except DomainError as exc:  # the audit log refuses writes (ADR 0012): nobody logs in
            form.add_domain_error(exc)
        else:
            locked = throttle.refused(request, {"email": email})
            if locked is not None:
                form.add_error(None, locked.message)
                status = 429
            else:
                form.add_error(None, _("Wrong e-mail address or password."))
    return render(request, "accounts/login.html", {
        "form": form,
        "next": request.GET.get("next", ""),
        "sso_failed": request.GET.get("sso") == "failed",
    }, status=status)


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher (cookie and redirect); a logged-in person's choice is also saved
    to their account, to be restored at their next login; a logged-out person's is kept by their
    next login in this browser session."""
    response = i18n.set_language(request)
    user = current_user(request)
    language = request.POST.get(LANGUAGE_QUERY_PARAMETER, "") if request.method == "POST" else ""
    if language_offered(language) is not None:
        if user is not None:
            services.user_set_language(actor=actor_of(request), user=user, language=language)
        else:  # kept by the login that follows (login_language)
            request.session[CHOSEN_BEFORE_LOGIN] = language
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("login")


@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    if current_user(request) is not None:
        return redirect("home")
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _pending, user = services.organisation_sign_up(
                organisation=form.organisation_data(),
                email=data["email"], password=data["password"],
                first_name=data["first_name"], last_name=data["last_name"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            login(request, user, backend=MODEL_BACKEND)
            messages.info(request, _(
                "One more step: we sent a link to %(email)s. Open it to confirm your address; "
                "%(org)s is registered then."
            ) % {"email": user.email, "org": form.cleaned_data["name"]})
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


# --------------------------------------------------------------------------- home




# Where each pillar leads: its page in the portal (of the person's organisation), or, for a
# pillar the portal does not hold yet, the request form with the matching goal (entry catalogue)
PILLAR_PAGES = {"assess": "maturity", "train": "train_catalogue", "connect": "connect_find",
                "fund": "funding_check", "build": "compute"}
PUBLIC_PAGES = {"train_catalogue"}  # open to visitors too
PILLAR_GOALS = {"assess": "use_case", "train": "skills", "connect": "partner",
                "fund": "funding", "build": "train_model", "scale": "inference"}


def pillar_links(org_id: int | None, logged_in: bool) -> list[dict[str, Any]]:
    """The six pillars in the page's language, each with ``url`` and ``in_portal``."""
    out = []
    for p in load_pillars().in_language(get_language() or settings.LANGUAGE_CODE):
        name = PILLAR_PAGES.get(p.key)
        ask = reverse("entry_start") + "?" + urlencode({"goal": PILLAR_GOALS.get(p.key, "")})
        if name is None:
            url = ask
        elif name in PUBLIC_PAGES:
            url = reverse(name)
        elif not logged_in:
            url = reverse("signup")
        elif name in ("compute", "connect_find"):
            url = reverse(name)
        else:
            url = reverse(name, kwargs={"org_id": org_id}) if org_id is not None else ask
        out.append({"pillar": p, "url": url, "in_portal": name is not None, "ask": ask,
                    "public": name in PUBLIC_PAGES})
    return out


@require_GET
def home(request: HttpRequest) -> HttpResponseBase:
    """The factory's front page for a visitor (public); a person's home once logged in; the
    staff's dashboard."""
    if current_user(request) is None:
        return render(request, "accounts/welcome.html", {
            "pillars": pillar_links(None, logged_in=False), "catalogue": load_pillars(),
        })
    return _home(request)


@page
def _home(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    if access.is_staff:
        return render(request, "accounts/dashboard.html", {
            "counts": selectors.factory_counts(access=access),
            "queues": staff_queues_for(access),
        })
    organisations = list(selectors.organisations_for(access))
    return render(request, "accounts/home.html", {
        "pillars": pillar_links(organisations[0].pk if organisations else None, logged_in=True),
        "catalogue": load_pillars(),
        "organisations": organisations,
        "admin_organisations": [o for o in organisations if access.is_org_admin(o.pk)],
        "cards": project_cards(request, selectors.projects_for(access)),
    })
