"""Login through an external OpenID Connect provider (EuroHPC MyAccessID, a site Keycloak...).

Configured only by ``LAIF_OIDC_*`` variables (see settings). social-auth does discovery, PKCE, and
checks the ID token's signature, issuer, audience, expiry and nonce; this module adds laif's rules:

* people are matched on (issuer, ``sub``) only, never on e-mail; an identity seen for the first time
  gets a new local account, unless its e-mail is already used here: that is refused (no takeover;
  an existing account is linked only by its owner, logged in, starting the SSO login);
* the e-mail and names follow the provider at each login (the e-mail only when no other account
  uses it); the address counts as verified when the provider asserts ``email_verified: true``;
* every success and failure is in the audit log (detail ``{"method": "oidc"}``) and a failure always
  ends on the login page with a message, never a 500;
* with ``LAIF_OIDC_ISSUER`` empty the ``/sso/`` URLs answer 404.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from social_core.backends.open_id_connect import OpenIdConnectAuth
from social_core.exceptions import (
    AuthAssociationError,
    AuthCanceled,
    AuthPolicyError,
    AuthProviderError,
    AuthSessionError,
    SocialAuthBaseException,
)
from social_django.middleware import SocialAuthExceptionMiddleware

from laif.accounts.access import access_for
from laif.accounts.audit import Actor, audit_record
from laif.accounts.language import active_language
from laif.accounts.models import User
from laif.accounts.requestinfo import client_ip
from laif.accounts.services.verification import email_mark_verified
from laif.accounts.staff_queues import landing_of

logger = logging.getLogger(__name__)

BACKEND_NAME = "oidc"
# The social_django views laif uses; the others (disconnect, IdP/app launch) are not offered.
ALLOWED_VIEWS = frozenset({"begin", "complete"})


class LaifOIDCBackend(OpenIdConnectAuth[HttpResponse]):
    """The generic social-auth OIDC backend, its issuer read from ``LAIF_OIDC_ISSUER`` at each use
    (so tests and reconfiguration need no restart), and the issuer kept with each identity."""

    name = BACKEND_NAME

    def setting(self, name: str, default: Any = None) -> Any:
        if name == "OIDC_ENDPOINT":
            return settings.LAIF_OIDC_ISSUER or default
        return super().setting(name, default)

    def extra_data(
        self, user: Any, uid: str, response: dict[str, Any], details: dict[str, Any],
        pipeline_kwargs: dict[str, Any],
    ) -> dict[str, Any]:
        data: dict[str, Any] = super().extra_data(user, uid, response, details, pipeline_kwargs)
        if self.id_token is not None and isinstance(self.id_token.get("iss"), str):
            data["iss"] = self.id_token["iss"]
        return data


class OIDCRefused(AuthPolicyError):
    """A login laif refuses by its own rules; ``user_message`` is shown on the login page."""

    def __init__(self, backend: Any, user_message: str, *, reason: str, email: str = "") -> None:
        super().__init__(backend, reason, code="authentication_disallowed", stage="pipeline")
        self.user_message = user_message
        self.reason = reason
        self.email = email


# --------------------------------------------------------------------------- pipeline steps


def _claim(backend: Any, response: dict[str, Any] | None, name: str) -> Any:
    """A claim from the (verified) UserInfo answer, else from the validated ID token."""
    if response and name in response:
        return response[name]
    id_token = getattr(backend, "id_token", None) or {}
    return id_token.get(name)


def _issuer(backend: Any) -> str:
    id_token = getattr(backend, "id_token", None) or {}
    return str(id_token.get("iss") or settings.LAIF_OIDC_ISSUER)


def _email_of(backend: Any, details: dict[str, Any], response: dict[str, Any] | None) -> str:
    """The provider's e-mail, lower-cased; empty when absent or explicitly unverified."""
    email = str(details.get("email") or "").strip().lower()
    if _claim(backend, response, "email_verified") is False:
        return ""
    return email


def _email_asserted(backend: Any, response: dict[str, Any] | None) -> bool:
    """The provider vouches for the e-mail address (``email_verified: true``)."""
    return _claim(backend, response, "email_verified") is True


def _provider_name() -> str:
    return str(settings.LAIF_OIDC_NAME)


def check_issuer(
    backend: Any, social: Any = None, *args: Any, **kwargs: Any
) -> None:
    """A ``sub`` is unique only per issuer: refuse an identity recorded under another issuer (the
    provider was changed), rather than hand its account to whoever has that ``sub`` now."""
    if social is None:
        return
    stored = (social.extra_data or {}).get("iss")
    if stored and stored != _issuer(backend):
        raise OIDCRefused(
            backend,
            _("This identity was registered with another login provider. Please contact support."),
            reason="issuer_changed",
        )


def create_user(
    strategy: Any, details: dict[str, Any], backend: Any, uid: str, user: User | None = None,
    *args: Any, id_key: str = "", response: dict[str, Any] | None = None, **kwargs: Any,
) -> dict[str, Any] | None:
    """Create a local account for an identity seen for the first time, and link it in the same
    transaction. An e-mail already used by another account is refused, never merged."""
    if user is not None:
        return {"is_new": False}
    name = _provider_name()
    email = _email_of(backend, details, response)
    if not email:
        raise OIDCRefused(
            backend,
            _("%(idp)s did not give a verified e-mail address, which an account here needs.")
            % {"idp": name},
            reason="no_verified_email",
        )
    taken = OIDCRefused(
        backend,
        _(
            "An account with the e-mail address %(email)s already exists here. It was not linked "
            "to your %(idp)s identity: log in with your password instead (once logged in, you can "
            "link %(idp)s by logging in with it), or contact support."
        ) % {"email": email, "idp": name},
        reason="email_in_use",
        email=email,
    )
    if User.objects.filter(email__iexact=email).exists():
        raise taken
    request = getattr(strategy, "request", None)
    ip = _client_ip(request)
    try:
        with transaction.atomic():
            new_user = User.objects.create_user(
                email,
                None,
                first_name=str(details.get("first_name") or "")[:150],
                last_name=str(details.get("last_name") or "")[:150],
                language=active_language(),
            )
            social = strategy.storage.user.create_social_auth(
                new_user, uid, backend.name, id_key=id_key
            )
            if _email_asserted(backend, response):
                email_mark_verified(user=new_user, method="oidc", ip=ip)
            audit_record(
                actor=Actor(new_user.pk, new_user.email, ip),
                action="user.created",
                target=f"user:{new_user.pk}",
                detail={"method": "oidc", "issuer": _issuer(backend)},
            )
    except IntegrityError as exc:  # the same e-mail or sub created concurrently
        raise taken from exc
    return {"is_new": True, "user": new_user, "social": social, "new_association": True}


def update_user(
    strategy: Any, details: dict[str, Any], backend: Any, user: User | None = None,
    *args: Any, response: dict[str, Any] | None = None, **kwargs: Any,
) -> None:
    """Follow the provider's e-mail and names. An e-mail used by another account here is not
    taken (the unique constraint would fail, and it is someone else's login)."""
    if user is None:
        return
    changed: list[str] = []
    email = _email_of(backend, details, response)
    if email and email != user.email.lower():
        if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            logger.warning("oidc: user %s keeps e-mail, %s is used by another account",
                           user.pk, email)
            request = getattr(strategy, "request", None)
            if request is not None:
                messages.warning(request, _(
                    "%(idp)s gives your e-mail address as %(email)s, but another account here "
                    "uses it; your e-mail address here stays %(old)s."
                ) % {"idp": _provider_name(), "email": email, "old": user.email})
        else:
            user.email = email
            # A new address is verified only if the provider vouches for it.
            user.email_verified_at = None
            changed += ["email", "email_verified_at"]
    for field in ("first_name", "last_name"):
        value = details.get(field)
        if isinstance(value, str) and value.strip() and value.strip()[:150] != getattr(user, field):
            setattr(user, field, value.strip()[:150])
            changed.append(field)
    if changed:
        try:
            with transaction.atomic():
                user.save(update_fields=changed)
        except IntegrityError:  # the e-mail was taken meanwhile: keep the names only
            user.refresh_from_db(fields=["email", "email_verified_at"])
            changed = [f for f in changed if f not in ("email", "email_verified_at")]
            if changed:
                user.save(update_fields=changed)
    if (email and email == user.email.lower() and user.email_verified_at is None
            and _email_asserted(backend, response)):
        with transaction.atomic():
            email_mark_verified(user=user, method="oidc",
                                ip=_client_ip(getattr(strategy, "request", None)))


def record_login(
    strategy: Any, backend: Any, user: User | None = None, *args: Any,
    is_new: bool = False, new_association: bool = False, **kwargs: Any,
) -> None:
    """Last step: refuse a disabled account, else audit the successful login."""
    if user is None:  # cannot happen with create_user above; be explicit anyway
        raise OIDCRefused(backend, _("Login failed."), reason="no_user")
    if not user.is_active:
        raise OIDCRefused(
            backend, _("This account is disabled. Please contact support."),
            reason="inactive", email=user.email,
        )
    request = getattr(strategy, "request", None)
    audit_record(
        actor=Actor(user.pk, user.email, _client_ip(request)),
        action="login.succeeded",
        target=f"user:{user.pk}",
        detail={
            "method": "oidc",
            "issuer": _issuer(backend),
            "new_account": bool(is_new),
            "linked": bool(new_association and not is_new),
        },
    )
    # a member of staff lands on what their role does, as after a password login, unless an
    # address was asked for (the pipeline may change where the login goes)
    landing = landing_of(access_for(user).staff_roles)
    if landing != "home" and not strategy.session_get("next"):
        strategy.session_set("next", reverse(landing))


# --------------------------------------------------------------------------- middleware


def _client_ip(request: HttpRequest | None) -> str:
    return client_ip(request)


def failure_message(exception: SocialAuthBaseException) -> str:
    """What the person sees on the login page: plain words, no token or claim details."""
    name = _provider_name()
    if isinstance(exception, OIDCRefused):
        return exception.user_message
    if isinstance(exception, AuthProviderError):
        return _(
            "%(idp)s cannot be reached at the moment. Please try again later, or log in with your "
            "password."
        ) % {"idp": name}
    if isinstance(exception, AuthCanceled):
        return _("Login with %(idp)s was cancelled.") % {"idp": name}
    if isinstance(exception, AuthSessionError):
        return _("Your login with %(idp)s expired or did not come from this browser. Please try "
                 "again.") % {"idp": name}
    if isinstance(exception, AuthAssociationError):
        return _("This %(idp)s identity is already linked to another account.") % {"idp": name}
    return _(
        "Login with %(idp)s failed: its answer could not be verified. Please try again; if it "
        "keeps failing, contact support."
    ) % {"idp": name}


class OIDCMiddleware(SocialAuthExceptionMiddleware):
    """Guards the ``/sso/`` URLs and turns every social-auth failure into an audited redirect to
    the login page (``SOCIAL_AUTH_LOGIN_ERROR_URL``) with a message."""

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.namespace != settings.SOCIAL_AUTH_URL_NAMESPACE:
            return None
        if (
            not settings.LAIF_OIDC_ISSUER
            or match.url_name not in ALLOWED_VIEWS
            or view_kwargs.get("backend") != BACKEND_NAME
        ):
            raise Http404("single sign-on is not enabled")
        return None

    def get_message(self, request: HttpRequest, exception: Exception) -> str:
        if isinstance(exception, SocialAuthBaseException):
            return failure_message(exception)
        return str(exception)

    def dispatch_error(
        self, request: HttpRequest, transports: Any, url: str | None, message: str,
        backend_name: str, *, metadata: Any = None,
    ) -> str | None:
        messages.error(request, message)  # plain level tag, as the templates style it
        return url

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, SocialAuthBaseException) and getattr(
            request, "social_strategy", None
        ) is not None:
            self._audit_failure(request, exception)
        response: HttpResponse | None = super().process_exception(request, exception)
        return response

    @staticmethod
    def _audit_failure(request: HttpRequest, exception: SocialAuthBaseException) -> None:
        user = getattr(request, "user", None)
        actor = Actor.of(user if isinstance(user, User) else None, _client_ip(request))
        detail: dict[str, Any] = {
            "method": "oidc",
            "code": exception.code,
            "stage": exception.stage,
        }
        if isinstance(exception, OIDCRefused):
            detail["reason"] = exception.reason
        if exception.claim:
            detail["claim"] = exception.claim
        email = exception.email if isinstance(exception, OIDCRefused) else ""
        logger.warning("oidc login failed: %s", detail)
        try:
            audit_record(actor=actor, action="login.failed",
                         target=f"email:{email}" if email else "oidc", detail=detail)
        except Exception:  # the audit must not turn a refused login into a 500
            logger.exception("oidc: could not audit a failed login")
