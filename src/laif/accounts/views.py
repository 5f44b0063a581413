"""Server-rendered pages (thin: forms call services, pages read selectors)."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from laif.accounts import selectors, services
from laif.accounts.errors import DomainError
from laif.accounts.models import User
from laif.accounts.requestinfo import access_of, client_ip


@login_required
def home(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    projects = selectors.projects_for(access) if not access.is_staff else []
    return render(request, "accounts/home.html", {"projects": projects})


def login_view(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        email = request.POST.get("email", "")[:254].replace("\x00", "")
        password = request.POST.get("password", "")[:256]
        ip = client_ip(request)
        try:
            services.login_check_throttle(email=email, ip=ip)
            user = authenticate(request, email=email.lower(), password=password)
            services.login_record(email=email, ip=ip,
                                  user=user if isinstance(user, User) else None)
            if isinstance(user, User):
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(request.GET.get("next") or "home")
            error = "Wrong e-mail address or password."
        except DomainError as exc:
            error = exc.message
    return render(request, "accounts/login.html", {"error": error})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")
