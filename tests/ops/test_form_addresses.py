"""No page answers a blank 405: a GET on an address that only takes a form (reached by reloading
a failed form's page, by the language switch there, by a bookmark) goes to the page above it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from laif.ops.middleware import page_above
from tests.api_support import client_as
from tests.compute.support import submit
from tests.factories import World

pytestmark = pytest.mark.django_db


def page_routes(patterns: list[URLPattern | URLResolver] | None = None,
                prefix: str = "") -> Iterator[str]:
    """Every page address of the site as a path, converters filled with a sample value."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from page_routes(entry.url_patterns, route)
            continue
        if route.startswith(("api/", "admin/", "static/", "^")) or "(?P" in route:
            continue
        yield "/" + re.sub(r"<(?:(\w+):)?\w+>",
                           lambda m: "x" if m.group(1) in ("str", "slug") else "1", route)


def test_every_page_answers_a_get_with_something_else_than_a_blank_405(world: World) -> None:
    client = client_as(world.operator)
    routes = sorted(set(page_routes()))
    assert len(routes) > 60  # the walk found the site
    blank = []
    for path in routes:
        response = client.get(path)
        if response.status_code == 405:
            blank.append(path)
        elif response.status_code == 302 and response["Location"] == path:
            blank.append(f"{path} (redirects to itself)")
    assert blank == []


def test_reloading_a_failed_review_form_shows_the_request_again(world: World) -> None:
    req = submit(world.project, world.project_lead, title="Vision")
    client = client_as(world.reviewer)
    failed = client.post(f"/compute/requests/{req.pk}/review/", {"decision": "reject"})
    assert failed.status_code == 400
    assert "Say why in a comment" in failed.content.decode()
    reloaded = client.get(f"/compute/requests/{req.pk}/review/", follow=True)
    assert reloaded.redirect_chain == [(f"/compute/requests/{req.pk}/", 302)]
    assert reloaded.status_code == 200
    assert "Vision" in reloaded.content.decode()


def test_the_api_keeps_its_405(world: World) -> None:
    response = client_as(world.reviewer).get("/api/notices/1/read")
    assert response.status_code == 405


def test_the_page_above_is_the_nearest_known_address() -> None:
    assert page_above("/notices/7/read/") == "/notices/"
    assert page_above("/compute/requests/7/review/") == "/compute/requests/7/"
    assert page_above("/nothing/here/") == "/"
