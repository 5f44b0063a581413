"""Issue 22, point 6 (first part): a customer's statement, its PDF and its cashback box carry no
internal words (no "working assumptions", no seed file, no environment variable, no provenance
note); the status of the figures and their sources are for the factory's staff, who still see
them."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client
from pypdf import PdfReader

from laif.accounts.models import User
from tests.api_support import client_as
from tests.compute.billing_support import entry, issue
from tests.factories import World

pytestmark = pytest.mark.django_db
ClientFor = Callable[[User | None], Client]
JULY = date(2026, 7, 1)
INTERNAL = ("assumption", "seeds/", "LAIF_", "Source:", "Source :")


def test_customers_see_no_internal_words_staff_see_the_sources(
        world: World, client_for: ClientFor) -> None:
    entry(world.project, world.member, JULY, gpu_s=36_000)
    st = issue(world.operator, world.project, JULY)
    assert st.price_assumption  # the demo prices are the factory's working assumptions
    for language in ("en", "fr"):
        admin = client_for(world.org_admin)
        admin.cookies["django_language"] = language
        page = admin.get(f"/statements/{st.pk}/").content.decode()
        box = admin.get(f"/statements/{st.pk}/cashback/", HTTP_HX_REQUEST="true")
        for text in (page, box.content.decode()):
            assert not [w for w in INTERNAL if w in text], language
    pdf = client_as(world.org_admin).get(f"/api/statements/{st.pk}/pdf").content
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert not [w for w in INTERNAL if w in pdf_text]
    operator = client_for(world.operator)
    staff_page = operator.get(f"/statements/{st.pk}/").content.decode()
    assert "Staff only: unit prices are the factory's working assumptions" in staff_page
    staff_box = operator.get(f"/statements/{st.pk}/cashback/", HTTP_HX_REQUEST="true")
    assert 'id="cashback-source"' in staff_box.content.decode()
