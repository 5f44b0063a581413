"""Credit notes from the statement page: operators correct an issued statement line by line, with
a reason; everyone else sees no form and is refused; bad amounts keep what was typed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client

from laif.accounts.models import User
from laif.billing.models import CreditNote, Statement
from laif.usage.pricing import euros_to_cents
from tests.compute.billing_support import entry, issue
from tests.factories import World

JULY = date(2026, 7, 1)
ClientFor = Callable[[User | None], Client]


@pytest.mark.parametrize(("text", "cents"), [
    ("12", 1200), ("12.5", 1250), ("12.05", 1205), ("1,234.56", 123456), ("EUR\xa03.07", 307),
    ("0.01", 1), ("  7 ", 700), ("7 €", 700),
    ("-3", None), ("1.234", None), ("12,5", None), ("abc", None), ("", None), ("1e3", None),
    ("1,23", None), ("9" * 13, None),
])
def test_euros_to_cents(text: str, cents: int | None) -> None:
    assert euros_to_cents(text) == cents


def _statement(world: World) -> Statement:
    entry(world.project, world.member, JULY, gpu_s=36_000, cpu_s=360_000)
    return issue(world.operator, world.project, JULY)


def test_an_operator_credits_a_line_from_the_statement_page(world: World,
                                                            client_for: ClientFor) -> None:
    st = _statement(world)
    gpu_line = st.lines.get(resource="gpu")
    operator = client_for(world.operator)
    page = operator.get(f"/statements/{st.pk}/").content.decode()
    assert 'id="credit-note-form"' in page
    response = operator.post(f"/statements/{st.pk}/credit-notes/", {
        f"credit-{gpu_line.pk}": "5.50", "reason": "Node failure on 12 July: jobs rerun."})
    assert response.status_code == 302
    note = CreditNote.objects.get()
    assert note.total_cents == 550
    assert note.reason == "Node failure on 12 July: jobs rerun."
    admin_page = client_for(world.org_admin).get(f"/statements/{st.pk}/").content.decode()
    assert note.number in admin_page
    assert "Node failure on 12 July" in admin_page
    assert "EUR\xa05.50" in admin_page
    assert 'id="credit-note-form"' not in admin_page  # the organisation cannot credit itself
    st.refresh_from_db()
    assert st.total_cents == gpu_line.amount_cents + st.lines.get(resource="cpu").amount_cents


def test_bad_amounts_are_refused_with_the_input_kept(world: World,
                                                     client_for: ClientFor) -> None:
    st = _statement(world)
    line = st.lines.get(resource="gpu")
    operator = client_for(world.operator)
    bad = operator.post(f"/statements/{st.pk}/credit-notes/",
                        {f"credit-{line.pk}": "5,5", "reason": "Typo in the amount"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "is not an amount in euros" in text
    assert 'value="5,5"' in text
    assert "Typo in the amount" in text
    too_much = operator.post(f"/statements/{st.pk}/credit-notes/", {
        f"credit-{line.pk}": f"{line.amount_cents / 100 + 1:.2f}", "reason": "Too much"})
    assert too_much.status_code == 400
    assert "left to credit" in too_much.content.decode()
    no_reason = operator.post(f"/statements/{st.pk}/credit-notes/",
                              {f"credit-{line.pk}": "1.00", "reason": "  "})
    assert no_reason.status_code == 400
    nothing = operator.post(f"/statements/{st.pk}/credit-notes/", {"reason": "Nothing"})
    assert nothing.status_code == 400
    assert "Credit at least one line" in nothing.content.decode()
    assert not CreditNote.objects.exists()


@pytest.mark.parametrize(("role", "status"), [
    ("anonymous", 302), ("other_member", 404), ("member", 403), ("project_lead", 403),
    ("org_admin", 403), ("reviewer", 403), ("auditor", 403),
])
def test_only_operators_issue_credit_notes(world: World, client_for: ClientFor, role: str,
                                           status: int) -> None:
    st = _statement(world)
    line = st.lines.get(resource="gpu")
    response = client_for(world.user(role)).post(
        f"/statements/{st.pk}/credit-notes/", {f"credit-{line.pk}": "1.00", "reason": "x"})
    assert response.status_code == status
    assert not CreditNote.objects.exists()
