"""The front page for a first-time visitor (issue 22, point 9): public, it says what the factory
offers and leads each of the six pillars to its page, or, for a pillar the portal does not hold
yet, says so and opens the request form on the matching goal; sign-up carries a privacy notice."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.api_support import client_as
from tests.factories import World

pytestmark = pytest.mark.django_db


def html(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def pillar(page: str, key: str) -> str:
    found = re.search(rf'<li class="pillar pillar-{key}" id="pillar-{key}">(.*?)</li>', page)
    assert found is not None, key
    return found.group(1)


def test_a_visitor_sees_the_offer_and_where_each_pillar_leads() -> None:
    response = Client().get("/")
    assert response.status_code == 200  # no login asked
    page = html(response)
    assert "single point of entry" in page
    assert 'href="/start/"' in page
    assert 'href="/signup/"' in page
    assert len(re.findall(r'<li class="pillar pillar-', page)) == 6
    for key, goal in (("scale", "inference"),):
        item = pillar(page, key)
        assert "Not in the portal yet" in item
        assert f'href="/start/?goal={goal}"' in item
    train = pillar(page, "train")  # the course catalogue is open to visitors
    assert 'href="/training/"' in train
    assert "Create an account" not in train
    for key in ("assess", "connect", "fund", "build"):
        item = pillar(page, key)
        assert "Not in the portal yet" not in item
        assert 'href="/signup/"' in item


def test_a_member_goes_to_the_pillars_pages_of_their_organisation(world: World) -> None:
    page = html(client_as(world.member).get("/"))
    assert 'href="/compute/"' in pillar(page, "build")
    assert f'href="/organisations/{world.org.pk}/funding/"' in pillar(page, "fund")
    assert f'href="/organisations/{world.org.pk}/maturity/"' in pillar(page, "assess")
    assert "Your projects" in page  # the person's home, not the front page


def test_the_request_form_opens_on_the_pillars_goal() -> None:
    page = html(Client().get("/start/?goal=skills"))
    assert re.search(r'<input type="radio" name="goal" value="skills"[^>]*checked', page)
    unknown = html(Client().get("/start/?goal=<script>"))
    assert not re.search(r'<input type="radio" name="goal"[^>]*checked', unknown)
    assert "<script>" not in unknown.split("<main", 1)[1]


def test_sign_up_says_what_is_kept_and_why() -> None:
    page = html(Client().get("/signup/"))
    assert 'id="privacy-notice"' in page
    assert "EU SME class" in page
    assert "recorded in the audit log" in page
