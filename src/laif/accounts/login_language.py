"""The language at each login (``user_logged_in``, connected in ``apps.py``): one the person chose
with the switcher before logging in, in this browser session (the login page's EN/FR), is kept
and becomes the account's (``services.user_set_language``, audited); otherwise the account's saved
language is restored (``language.remember_on_login``). A choice left by someone else on a shared
browser does not count: the mark lives in the session, which logging out ends."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from laif.accounts import services
from laif.accounts.audit import Actor
from laif.accounts.language import CHOSEN_BEFORE_LOGIN, offered, remember_on_login


def language_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    chosen = offered(session.pop(CHOSEN_BEFORE_LOGIN, None)) if session is not None else None
    if chosen is not None and getattr(user, "language", None) != chosen:
        services.user_set_language(actor=Actor.of(user), user=user, language=chosen)
    remember_on_login(sender, request, user, **kwargs)
