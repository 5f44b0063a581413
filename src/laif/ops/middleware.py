"""Middleware of the operations context: ``/health`` answered first, one log line and the metrics
per request (the route pattern, never the path: links carry secrets), the admin and the API
docs kept to staff when so configured, and a page never answering a blank 405."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from laif.accounts.requestinfo import client_ip
from laif.ops import metrics
from laif.ops.access import is_staff_request

logger = logging.getLogger("laif.request")

Handler = Callable[[HttpRequest], HttpResponse]


class HealthMiddleware:
    """``GET /health``: before host validation, the TLS redirect, sessions and logging, so that
    a load balancer may probe a node by its address over plain HTTP."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.rstrip("/") != "/health":
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        from laif.ops.health import health_report

        code, body = health_report(all_checks=request.GET.get("all") == "1")
        return HttpResponse(json.dumps(body), status=code, content_type="application/json",
                            headers={"Cache-Control": "no-store"})


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return "/" + str(match.route)
    if request.path_info.startswith(settings.STATIC_URL):
        return settings.STATIC_URL
    return "(unmatched)"


class RequestLogMiddleware:
    """One line per request: method, route pattern, status, time, client address (behind the
    trusted proxies), with the request id of every line of the request."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - start
        route = route_of(request)
        metrics.observe(request.method or "", route, response.status_code, seconds)
        level = logging.DEBUG if route == settings.STATIC_URL else logging.INFO
        logger.log(level, "%s %s %s %.0fms", request.method, route, response.status_code,
                   seconds * 1000, extra={
                       "method": request.method, "route": route,
                       "status": response.status_code, "duration_ms": round(seconds * 1000, 1),
                       "client": client_ip(request)})
        return response


def _prefix(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:  # switched off
        return None


class StaffOnlyMiddleware:
    """With ``LAIF_ADMIN_ACCESS`` / ``LAIF_API_DOCS_ACCESS`` set to ``staff``, the admin and the
    API docs answer 404 unless the request comes from a staff network or a staff login (``off``
    removes their URLs altogether)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self._gates: list[str] | None = None

    def gates(self) -> list[str]:
        if self._gates is None:
            names = []
            if settings.LAIF_ADMIN_ACCESS == "staff":
                names.append("admin:index")
            if settings.LAIF_API_DOCS_ACCESS == "staff":
                names += ["api:openapi-view", "api:openapi-json"]
            self._gates = [p for p in (_prefix(n) for n in names) if p]
        return self._gates

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if any(path.startswith(gate) for gate in self.gates()) and not is_staff_request(request):
            raise Http404
        return self.get_response(request)


def page_above(path: str) -> str:
    """The nearest address above ``path`` that the site knows (``/a/7/review/`` ->
    ``/a/7/``); ``/`` at the top."""
    parts = [p for p in path.split("/") if p]
    while parts:
        parts.pop()
        candidate = "/" + "".join(f"{p}/" for p in parts)
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return candidate
    return "/"


class FormAddressMiddleware:
    """An address that only takes a form (POST) answers a GET with Django's blank 405. People
    reach one by reloading the page a failed form was shown on, by switching the language there
    or by following a bookmark: the page goes to the page above it instead (the API keeps its
    405, which is right for a program)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code == 405 and request.method in ("GET", "HEAD")
                and not request.path_info.startswith("/api/")):
            return HttpResponseRedirect(request.META.get("SCRIPT_NAME", "")
                                        + page_above(request.path_info))
        return response
