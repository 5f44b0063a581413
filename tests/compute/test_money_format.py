"""Money and energy read as each language writes them (issue 22, point 7), the same on pages,
PDFs and messages (``billing.money``): English ``EUR 1,234.56``, French ``1 234,56 EUR``, never
split across lines; a French operator types amounts the French way."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import translation

from laif.accounts.models import User
from laif.billing.models import CreditNote
from laif.billing.money import energy_text, euros_text, money_text
from laif.usage.pricing import euros_to_cents
from tests.compute.test_statement_views import _statement
from tests.factories import World

NBSP = "\u00a0"
ClientFor = Callable[[User | None], Client]


def test_amounts_and_energy_by_language() -> None:
    with translation.override("en"):
        assert money_text(123456789) == f"EUR{NBSP}1,234,567.89"
        assert money_text(-5) == f"EUR{NBSP}-0.05"
        assert euros_text(150000) == f"EUR{NBSP}150,000"
        assert energy_text(680_400_000) == f"189{NBSP}kWh"
        assert energy_text(450_000) == f"0.125{NBSP}kWh"
        assert energy_text(3_600_000_000_000) == f"1,000,000{NBSP}kWh"
        assert energy_text(None) == "not reported"
    with translation.override("fr"):
        assert money_text(123456789) == f"1{NBSP}234{NBSP}567,89{NBSP}EUR"
        assert euros_text(150000) == f"150{NBSP}000{NBSP}EUR"
        assert energy_text(680_400_000) == f"189{NBSP}kWh"
        assert energy_text(4_500_000) == f"1,25{NBSP}kWh"
        assert energy_text(None) == "non déclarée"
    for text in (money_text(123456789), energy_text(680_400_000)):
        assert " " not in text  # no plain space: an amount never wraps


@pytest.mark.parametrize(("text", "cents"), [
    ("12,5", 1250), ("1 234,56", 123456), (f"1{NBSP}234,56{NBSP}EUR", 123456),
    ("1\u202f234,56", 123456), ("3,07 €", 307), ("12", 1200),
    ("12.50", None), ("1,234.56", None), ("1.234,56", None), ("12,505", None), ("-3", None),
    ("1 23,4", None),
])
def test_french_amounts_are_read_with_a_decimal_comma(text: str, cents: int | None) -> None:
    assert euros_to_cents(text, decimal_comma=True) == cents


@pytest.mark.django_db
def test_a_french_operator_credits_the_french_way_and_reads_french_amounts(
        world: World, client_for: ClientFor) -> None:
    st = _statement(world)
    gpu_line = st.lines.get(resource="gpu")
    operator = client_for(world.operator)
    operator.cookies["django_language"] = "fr"
    page = operator.get(f"/statements/{st.pk}/").content.decode()
    assert 'placeholder="0,00"' in page
    refused = html.unescape(operator.post(f"/statements/{st.pk}/credit-notes/", {
        f"credit-{gpu_line.pk}": "5.50", "reason": "Panne"}).content.decode())
    assert "n'est pas un montant en euros (par exemple 12,50)" in refused
    done = operator.post(f"/statements/{st.pk}/credit-notes/", {
        f"credit-{gpu_line.pk}": "5,50", "reason": "Panne du nœud le 12 juillet."}, follow=True)
    assert CreditNote.objects.get().total_cents == 550
    assert f"5,50{NBSP}EUR" in done.content.decode()
    admin = client_for(world.org_admin)
    admin.cookies["django_language"] = "fr"
    french = admin.get(f"/statements/{st.pk}/").content.decode()
    assert f"5,50{NBSP}EUR" in french
    assert "EUR 5.50" not in french
    assert f"EUR{NBSP}5.50" not in french


@pytest.mark.django_db
def test_company_figures_use_the_same_money_format(world: World, client_for: ClientFor) -> None:
    url = f"/organisations/{world.org.pk}/"
    english = client_for(world.org_admin).get(url).content.decode()
    assert re.search(rf"<dd>EUR{NBSP}\d{{1,3}}(,\d{{3}})*</dd>", english)
    assert not re.search(r"\d EUR</dd>", english)
    admin = client_for(world.org_admin)
    admin.cookies["django_language"] = "fr"
    french = admin.get(url).content.decode()
    assert re.search(rf"<dd>\d{{1,3}}({NBSP}\d{{3}})*{NBSP}EUR</dd>", french)
    assert not re.search(r"\d,\d{3}", french)  # no English grouping on a French page
