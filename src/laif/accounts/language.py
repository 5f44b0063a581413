"""The person's language: saved on their account when they switch, restored at each login.

A browser's language lives in Django's language cookie, which ``LocaleMiddleware`` reads. When a
logged-in person uses the language switcher (``views.set_language``), the choice is also saved to
``User.language``. Every login (password, sign-up, invitation, OpenID Connect: all go through
``django.contrib.auth.login``) marks the request with the account's language
(``remember_on_login``, called by ``login_language.language_on_login``), and
``LanguageCookieMiddleware`` sets the cookie on that response, so the next page is in the person's
language on any browser. A language chosen on the login page itself (while logged out, in this
browser session) wins and becomes the account's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

REQUEST_ATTRIBUTE = "laif_login_language"
CHOSEN_BEFORE_LOGIN = "laif_language_chosen"
"""Session key: the language chosen with the switcher while logged out (``views.set_language``),
kept by the next login (``login_language``)."""


def offered(code: str | None) -> str | None:
    """``code`` if it is one of the site's languages (``settings.LANGUAGES``), else None."""
    return code if code and code in dict(settings.LANGUAGES) else None


def active_language() -> str:
    """The language of the current request (or the site's default), as one of the site's codes."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    try:
        code = translation.get_supported_language_variant(current)
    except LookupError:
        code = settings.LANGUAGE_CODE
    return offered(code) or settings.LANGUAGE_CODE


def remember_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: the account's saved language goes to the response's cookie."""
    language = offered(getattr(user, "language", None))
    if request is not None and language is not None:
        setattr(request, REQUEST_ATTRIBUTE, language)


class LanguageCookieMiddleware:
    """Sets the language cookie on the response of a login (see ``remember_on_login``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, REQUEST_ATTRIBUTE, None)
        if language is not None:
            set_language_cookie(response, language)
        return response


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """The cookie as Django's own ``set_language`` view sets it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
