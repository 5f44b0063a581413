"""One date format per language across the portal (issue 22, point 8): English written as in
Luxembourg (day before month, 24-hour clock), never Django's American defaults; French as
Django writes it; the pages use the formats by name, never a fixed ``Y-m-d``; a form in English
reads 03/04/2026 as the 3rd of April."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format, time_format

from laif.accounts.errors import Conflict
from laif.accounts.models import User
from tests.compute.billing_support import entry, issue
from tests.compute.support import review, submit
from tests.factories import World

TEMPLATES = Path(__file__).resolve().parent.parent / "src" / "laif" / "templates"
ClientFor = Callable[[User | None], Client]
DAY = date(2026, 9, 15)
MOMENT = datetime(2026, 9, 15, 14, 30, tzinfo=ZoneInfo("Europe/Luxembourg"))


@pytest.mark.parametrize(("language", "long", "short", "stamp", "month"), [
    ("en", "15 September 2026", "15/09/2026", "15/09/2026 14:30", "September 2026"),
    ("fr", "15 septembre 2026", "15/09/2026", "15/09/2026 14:30", "septembre 2026"),
])
def test_the_formats_of_each_language(language: str, long: str, short: str, stamp: str,
                                      month: str) -> None:
    with translation.override(language):
        assert date_format(DAY, "DATE_FORMAT") == long
        assert date_format(DAY, "SHORT_DATE_FORMAT") == short
        assert date_format(MOMENT, "SHORT_DATETIME_FORMAT") == stamp
        assert date_format(DAY, "YEAR_MONTH_FORMAT") == month
        assert time_format(MOMENT.time(), "TIME_FORMAT") == "14:30"


def test_an_english_form_reads_dates_day_first() -> None:
    class When(forms.Form):
        on = forms.DateField()

    with translation.override("en"):
        form = When({"on": "03/04/2026"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["on"] == date(2026, 4, 3)
        assert When({"on": "2026-04-03"}).is_valid()  # the browsers' date fields


def test_no_template_fixes_a_date_format() -> None:
    fixed = [f"{p.relative_to(TEMPLATES)}: {m}" for p in TEMPLATES.rglob("*.html")
             for m in re.findall(r'\|date:"([^"]*)"', p.read_text())
             if not m.endswith("_FORMAT") and m != "c"]
    assert fixed == []


@pytest.mark.django_db
def test_the_statement_says_when_it_was_issued_in_each_language(
        world: World, client_for: ClientFor) -> None:
    entry(world.project, world.member, date(2026, 7, 1), gpu_s=3600)
    st = issue(world.operator, world.project, date(2026, 7, 1))
    admin = client_for(world.org_admin)
    english = admin.get(f"/statements/{st.pk}/").content.decode()
    with translation.override("en"):
        assert f"Issued on {date_format(st.issued_at, 'DATE_FORMAT')}" in english
    assert re.search(r"Issued on \d{1,2} [A-Z][a-z]+ \d{4}", english)
    assert "July 2026" in english
    admin.cookies["django_language"] = "fr"
    french = admin.get(f"/statements/{st.pk}/").content.decode()
    assert re.search(r"Émis le \d{1,2} [a-zéû]+ \d{4}", french)
    assert "juillet 2026" in french


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [
    ("en", "The period of this request ended on 31 December 2026"),
    ("fr", "31 décembre 2026"),
])
def test_messages_write_dates_in_the_language_not_iso(world: World, language: str,
                                                      expected: str) -> None:
    req = submit(world.project, world.project_lead)
    with translation.override(language), pytest.raises(Conflict) as refused:
        review(req, world.reviewer, "approve", today=date(2027, 1, 2))
    assert expected in refused.value.message
    assert "2026-12-31" not in refused.value.message
