"""My account: cluster identity, SSH keys, API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from laif.accounts import forms, selectors, services
from laif.accounts.choices import StaffRoleName
from laif.accounts.errors import DomainError
from laif.accounts.models import Membership
from laif.accounts.requestinfo import access_of, actor_of
from laif.accounts.views._base import (
    page,
    request_user,
)


def _account_page(request: HttpRequest, form: forms.SshKeyForm | None = None) -> HttpResponse:
    user = request_user(request)
    access = access_of(request)
    memberships = Membership.objects.none()
    if access.org_roles:
        memberships = user.memberships.select_related("organisation")
    return render(request, "accounts/account.html", {
        "identity": selectors.identity_of(user.pk),
        "login": settings.LAIF_CLUSTER.login,
        "keys": selectors.ssh_keys_of(user),
        "form": form or forms.SshKeyForm(),
        "memberships": memberships,
        "staff_roles": sorted(
            str(dict(StaffRoleName.choices).get(r, r)) for r in access.staff_roles
        ),
    })


@page
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@page
@require_POST
def ssh_key_add(request: HttpRequest) -> HttpResponse:
    form = forms.SshKeyForm(request.POST)
    if form.is_valid():
        try:
            key = services.ssh_key_add(actor=actor_of(request), user=request_user(request),
                                       title=form.cleaned_data["title"],
                                       public_key=form.cleaned_data["public_key"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("SSH key added: %(fp)s") % {"fp": key.fingerprint})
            return redirect("account")
    if "PRIVATE KEY" in request.POST.get("public_key", ""):
        data = request.POST.copy()  # never echo a pasted private key back to the page
        data["public_key"] = ""
        form.data = data
    return _account_page(request, form)


@page
@require_POST
def ssh_key_delete(request: HttpRequest, key_id: int) -> HttpResponse:
    services.ssh_key_remove(actor=actor_of(request), user=request_user(request), key_id=key_id)
    messages.success(request, _("SSH key deleted."))
    return redirect("account")


@page
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = forms.TokenForm(request.POST or None,
                           initial={"expires_days": settings.LAIF_TOKEN_TTL_DAYS})
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = services.api_token_create(
                actor=actor_of(request), user=user, name=form.cleaned_data["name"],
                expires_days=form.cleaned_data["expires_days"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            form = forms.TokenForm(initial={"expires_days": settings.LAIF_TOKEN_TTL_DAYS})
    response = render(request, "accounts/tokens.html", {
        "form": form, "secret": secret, "tokens": selectors.tokens_of(user),
        "now": timezone.now(), "max_days": settings.LAIF_TOKEN_TTL_DAYS,
    })
    if secret:
        response["Cache-Control"] = "no-store"
    return response


@page
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = services.api_token_revoke(actor=actor_of(request), user=request_user(request),
                                      token_id=token_id)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("tokens")


# --------------------------------------------------------------------------- staff
