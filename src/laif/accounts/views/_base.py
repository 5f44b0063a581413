"""Helpers shared by the portal pages: error handling, login, htmx and redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from laif.accounts.errors import DomainError, NotFound, PermissionDenied, Unauthenticated
from laif.accounts.models import User
from laif.accounts.requestinfo import current_user

View = Callable[..., HttpResponseBase]
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
AUDIT_PAGE_SIZE = 50


def domain_pages(view: View) -> View:
    """Turn a service's NotFound / PermissionDenied into the 404 / 403 pages."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc
        except Unauthenticated:
            return redirect_to_login(request.get_full_path())
        except DomainError as exc:
            return render(request, "error.html", {"message": exc.message}, status=exc.status)

    return wrapper


def page(view: View) -> View:
    """A page for logged-in users. An htmx request whose session has expired gets the whole
    browser sent to the login page, not the login form swapped into a fragment."""
    inner = login_required(domain_pages(view))

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if is_htmx(request) and current_user(request) is None:
            referer = request.headers.get("HX-Current-URL", "")
            target = reverse("login")
            path = urlsplit(referer).path if referer else ""
            if path.startswith("/"):
                target += "?" + urlencode({"next": path})
            return HttpResponseClientRedirect(target)
        return inner(request, *args, **kwargs)

    return wrapper


def form_action(request: HttpRequest, form: Any, act: Callable[[dict[str, Any]], object],
                done: str) -> bool:
    """Run a valid form's action (a service call): True when it is done (``done`` shown as the
    success message), False when the form now carries the errors, a service's own on the field
    it names. A service's NotFound / PermissionDenied go on to the 404 / 403 pages."""
    if not form.is_valid():
        return False
    try:
        act(form.cleaned_data)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        form.add_domain_error(exc)
        return False
    messages.success(request, done)
    return True


def request_user(request: HttpRequest) -> User:
    user = current_user(request)
    if user is None:  # pages are login_required
        raise Unauthenticated(_("Log in first."))
    return user


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)

