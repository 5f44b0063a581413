"""The REST API: one NinjaAPI, token (Bearer) and session auth, domain errors as JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, django_auth

from laif.accounts.access import access_for
from laif.accounts.errors import DomainError
from laif.accounts.services import api_token_authenticate

if TYPE_CHECKING:
    from laif.accounts.models import User


class TokenAuth(HttpBearer):
    """``Authorization: Bearer laif_...``: a personal API token (see ``laif login``)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(secret=token)
        if user is not None:
            request.user = user
            request.laif_access = access_for(user)  # type: ignore[attr-defined]
        return user


api = NinjaAPI(
    title="laif: Luxembourg AI Factory API",
    version="1",
    description=(
        "The single point of entry to the Luxembourg AI Factory and MeluXina-AI. "
        "Authenticate with a personal token (`Authorization: Bearer laif_...`, see `laif login`) "
        "or a browser session."
    ),
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    # LAIF_API_DOCS_ACCESS: public, staff (laif.ops.middleware.StaffOnlyMiddleware) or off
    docs_url=None if settings.LAIF_API_DOCS_ACCESS == "off" else "/docs",
    openapi_url=None if settings.LAIF_API_DOCS_ACCESS == "off" else "/openapi.json",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body: dict[str, Any] = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    body.update({k: v for k, v in exc.extra.items() if k not in body})
    response = api.create_response(request, body, status=exc.status)
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int):
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Authentication required: log in or send a valid API token."},
        status=401,
    )


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Invalid request.", "errors": exc.errors}, status=422
    )


api.add_router("/", "laif.accounts.api.router")
api.add_router("/", "laif.accounts.notices_api.router")
api.add_router("/", "laif.accounts.sme_api.router")
api.add_router("/", "laif.compute.api.router")
api.add_router("/", "laif.jobs.api.router")
api.add_router("/", "laif.usage.api.router")
api.add_router("/", "laif.billing.api.router")
api.add_router("/", "laif.fund.api.router")
api.add_router("/", "laif.entry.api.router")
api.add_router("/", "laif.assess.api.router")
api.add_router("/", "laif.sandbox.api.router")
api.add_router("/", "laif.green.api.router")
api.add_router("/", "laif.registry.api.router")
api.add_router("/", "laif.train.api.router")
api.add_router("/", "laif.connect.api.router")
api.add_router("/", "laif.network.api.router")
api.add_router("/", "laif.govern.api.router")
api.add_router("/", "laif.reports.api.router")
