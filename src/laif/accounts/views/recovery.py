"""Password change and reset (Django's views, laif's templates and services) and the e-mail
confirmation link of a new account (ADR 0016)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from laif.accounts import services
from laif.accounts.audit import Actor
from laif.accounts.errors import DomainError
from laif.accounts.models import User
from laif.accounts.requestinfo import actor_of, client_ip
from laif.accounts.sme_text import declared_class_label
from laif.accounts.views._base import page, request_user

# --------------------------------------------------------------------------- password change


class _NewPasswordHelp:
    """The validators' rules in one line, as on the sign-up form (Django's default is a list)."""

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)  # type: ignore[misc]
        if "new_password1" in form.fields:
            form.fields["new_password1"].help_text = _(
                "At least 10 characters; not a common or all-numeric password.")
        return form


class PasswordChangeView(_NewPasswordHelp, auth_views.PasswordChangeView):
    """Logged in: the current password, then the new one twice. The person's other sessions
    end; their API tokens stay (the page says so)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.user
        try:
            services.user_password_set(actor=actor_of(self.request), user=user,
                                       password=form.cleaned_data["new_password1"], reset=False)
        except DomainError as exc:
            form.add_error("new_password1", exc.message)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _(
            "Your password is changed. Your other sessions are logged out; your API tokens "
            "still work."
        ))
        return HttpResponseRedirect(self.get_success_url())


# --------------------------------------------------------------------------- password reset


class LaifPasswordResetForm(PasswordResetForm):
    """Django's form (it mails only active accounts with a password, and says nothing about
    the others); the mail is written in the person's language."""

    email = forms.EmailField(
        label=_lazy("E-mail address"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))

    def send_mail(self, subject_template_name: str, email_template_name: str,
                  context: dict[str, Any], from_email: str | None, to_email: str,
                  html_email_template_name: str | None = None) -> None:
        user = context.get("user")
        language = getattr(user, "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, from_email,
                              to_email, html_email_template_name)


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link: the answer is the same whether or not an account has the address."""

    form_class = LaifPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/mail/password_reset.txt"
    subject_template_name = "accounts/mail/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_sent")

    def form_valid(self, form: Any) -> HttpResponse:
        # Read at each request (not at import): the site's address and the link's lifetime.
        self.extra_email_context = {
            "site_url": settings.LAIF_SITE_URL,
            "minutes": settings.LAIF_PASSWORD_RESET_MINUTES,
        }
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs),
                "minutes": settings.LAIF_PASSWORD_RESET_MINUTES}


class PasswordResetConfirmView(_NewPasswordHelp, auth_views.PasswordResetConfirmView):
    """The mailed link (once, until it expires): a new password, then every session and API
    token of the account is revoked, and the address counts as verified."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form: Any) -> HttpResponse:
        user: User = form.user
        try:
            services.user_password_set(
                actor=Actor(user.pk, user.email, client_ip(self.request)), user=user,
                password=form.cleaned_data["new_password1"], reset=True)
        except DomainError as exc:
            form.add_error("new_password1", exc.message)
            return self.form_invalid(form)
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        messages.success(self.request, _(
            "Your password is changed. Every session of your account was logged out and its "
            "API tokens were revoked: log in with the new password."
        ))
        return HttpResponseRedirect(self.get_success_url())


# --------------------------------------------------------------------------- e-mail confirmation


@page
@require_GET
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the confirmation mail, opened while logged in (anyone else is asked to log
    in first: a mail scanner that opens links confirms nothing)."""
    user = request_user(request)
    if len(token) > 300:
        return render(request, "accounts/verify_email_failed.html",
                      {"message": _("This confirmation link is not valid: ask for a new one.")},
                      status=400)
    try:
        result = services.email_verify(user=user, token=token, ip=client_ip(request))
    except DomainError as exc:
        return render(request, "accounts/verify_email_failed.html", {"message": exc.message},
                      status=exc.status)
    if result.organisation is not None:
        org = result.organisation
        messages.success(request, _(
            "Welcome! %(org)s is registered; its EU SME class is: %(sme)s."
        ) % {"org": org.name, "sme": declared_class_label(org.sme_class)})
    elif result.newly:
        messages.success(request, _("Your e-mail address is confirmed."))
    else:
        messages.info(request, _("Your e-mail address was already confirmed."))
    if result.problem:
        messages.error(request, result.problem)
    return redirect("home")


@page
@require_POST
def verify_email_resend(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    try:
        services.email_verification_send(user=user, ip=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("We sent a new confirmation link to %(email)s.")
                         % {"email": user.email})
    return redirect("home")
