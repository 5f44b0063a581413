"""SME declarations: an organisation admin declares a year's figures and holdings, an operator
verifies or rejects; the verified status (partner and linked enterprises, the two-year rule) is
kept with its reasons and is what decisions use."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from laif.accounts import selectors, services
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.choices import SmeHolderKind, SmeRelation, SmeStakeDirection
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.models import AuditEntry, Notice, SmeDeclaration, User
from laif.accounts.sme_status import Direction, HolderKind, Relation
from tests.api_support import client_as, token_for
from tests.cli_support import run_cli
from tests.concurrency import in_threads, needs_postgres
from tests.factories import World, make_world, sign_up, sme_verified, staff
from tests.views_support import ClientFor, html

pytestmark = pytest.mark.django_db

LAST = timezone.localdate().year - 1


def stake(name: str = "Holding S.A.", **kw: Any) -> services.SmeStakeData:
    values: dict[str, Any] = {"direction": "upstream", "holder_kind": "enterprise",
                              "capital_percent": Decimal(30), "votes_percent": Decimal(30)}
    values.update(kw)
    return services.SmeStakeData(name=name, **values)


def declare(world: World, year: int, staff: int | str = 12, *,
            stakes: tuple[services.SmeStakeData, ...] = (), org: Any = None,
            admin: User | None = None, **kw: Any) -> SmeDeclaration:
    admin = admin or world.org_admin
    return services.sme_declaration_submit(
        access=access_for(admin), actor=Actor.of(admin),
        organisation_id=(org or world.org).pk,
        data=services.SmeDeclarationData(year=year, staff_awu=Decimal(staff),
                                         turnover_eur=Decimal(3_000_000),
                                         balance_sheet_eur=Decimal(2_500_000), stakes=stakes,
                                         **kw))


def verify(world: World, declaration: SmeDeclaration) -> SmeDeclaration:
    return services.sme_declaration_verify(access=access_for(world.operator),
                                           actor=Actor.of(world.operator),
                                           declaration_id=declaration.pk)


def test_a_partner_makes_a_small_enterprise_medium_with_the_reasons(world: World) -> None:
    before = Notice.objects.filter(recipient=world.operator).count()
    declaration = declare(world, LAST - 5, 30, stakes=(
        stake(staff_awu=Decimal(80), turnover_eur=Decimal(20_000_000),
              balance_sheet_eur=Decimal(20_000_000)),))
    assert declaration.state == "submitted"
    assert declaration.sme_class == ""
    assert Notice.objects.filter(recipient=world.operator).count() == before + 1
    verified = verify(world, declaration)
    # 30 own + 30% of 80 = 54 staff: over the small ceiling of 50
    assert (verified.state, verified.year_class, verified.sme_class) == ("verified", "medium",
                                                                         "medium")
    assert verified.total_staff_awu == Decimal(54)
    assert [r["code"] for r in verified.reasons] == ["partner", "figures", "first_year"]
    assert verified.stakes.get().relation == "partner"
    told = Notice.objects.filter(recipient=world.org_admin, kind="sme.verified").latest("id")
    assert told.link == f"/organisations/{world.org.pk}/sme/"
    assert {"sme.declared", "sme.verified"} <= set(
        AuditEntry.objects.filter(organisation_id_ref=world.org.pk).values_list("action", flat=True))


def test_the_status_needs_two_years_and_follows_a_late_verification(world: World) -> None:
    # the world's verified year LAST is small (12 staff); LAST - 1 was medium (60 staff)
    earlier = declare(world, LAST - 1, 60)
    last = SmeDeclaration.objects.get(organisation=world.org, year=LAST)
    assert last.sme_class == "small"  # alone, its own class
    verify(world, earlier)
    last.refresh_from_db()
    # medium the year before, small once: the status stays medium (Art. 4(2))
    assert (last.year_class, last.sme_class) == ("small", "medium")
    assert last.reasons[-1]["code"] == "first_year_under"
    assert selectors.sme_status_of(world.org.pk, LAST + 1).sme_class == "medium"  # type: ignore[union-attr]
    assert selectors.sme_status_of(world.org.pk, LAST - 2) is None


def test_a_verified_year_stands_until_rejected_a_submitted_one_is_replaced(world: World) -> None:
    with pytest.raises(Conflict, match="is verified"):
        declare(world, LAST, 20)
    first = declare(world, LAST - 1, 20)
    second = declare(world, LAST - 1, 21)
    assert not SmeDeclaration.objects.filter(pk=first.pk).exists()
    assert SmeDeclaration.objects.get(pk=second.pk).staff_awu == 21
    last = SmeDeclaration.objects.get(organisation=world.org, year=LAST)
    with pytest.raises(DomainError, match="Say why"):
        services.sme_declaration_reject(access=access_for(world.operator),
                                        actor=Actor.of(world.operator),
                                        declaration_id=last.pk, note="  ")
    services.sme_declaration_reject(access=access_for(world.operator),
                                    actor=Actor.of(world.operator), declaration_id=last.pk,
                                    note="accounts say 300 staff")
    assert selectors.sme_status_of(world.org.pk, LAST) is None
    again = verify(world, declare(world, LAST, 300))
    assert again.sme_class == "large"
    assert Notice.objects.filter(recipient=world.org_admin, kind="sme.rejected").exists()


def test_only_admins_declare_only_operators_review(world: World) -> None:
    with pytest.raises(PermissionDenied):
        declare(world, LAST - 1, admin=world.member)
    with pytest.raises(NotFound):
        declare(world, LAST - 1, admin=world.other_member)
    declaration = declare(world, LAST - 1)
    for person, error in ((world.org_admin, PermissionDenied), (world.reviewer, PermissionDenied),
                          (world.other_member, NotFound), (world.trainer, NotFound)):
        with pytest.raises(error):
            services.sme_declaration_verify(access=access_for(person), actor=Actor.of(person),
                                            declaration_id=declaration.pk)
    assert SmeDeclaration.objects.get(pk=declaration.pk).state == "submitted"


@pytest.mark.parametrize(("kw", "field"), [
    ({"year": LAST + 2}, "year"),
    ({"year": 1989}, "year"),
    ({"year": LAST + 1}, "estimated"),  # the current year needs bona fide estimates
    ({"stakes": (stake("\x00"),)}, "stakes.0.name"),
    ({"stakes": (stake(holder_kind="business_angel"),)}, "stakes.0.invested_eur"),
    ({"stakes": (stake(capital_percent=Decimal("100.01")),)}, "stakes.0.capital_percent"),
    ({"stakes": (stake(holder_kind="alien"),)}, "stakes.0.holder_kind"),
    ({"stakes": tuple(stake(f"H{n}") for n in range(51))}, "stakes"),
    ({"staff": "-1"}, "staff_awu"),
])
def test_bad_declarations_are_refused_on_their_field(world: World, kw: dict[str, Any],
                                                     field: str) -> None:
    year = kw.pop("year", LAST - 1)
    with pytest.raises(DomainError) as caught:
        declare(world, year, **kw)
    assert caught.value.field == field
    assert not SmeDeclaration.objects.filter(organisation=world.org, year=year).exists()


def test_a_new_enterprise_declares_the_current_year_as_estimates(world: World) -> None:
    declaration = declare(world, LAST + 1, 3, estimated=True)
    # 3 staff, but EUR 3 M turnover and 2.5 M balance sheet: over both micro ceilings
    assert verify(world, declaration).sme_class == "small"


# ------------------------------------------------------------------------------------ API


def test_the_api_declares_and_verifies_with_reasons_in_the_readers_language(
        world: World) -> None:
    admin = client_as(world.org_admin)
    body = {"year": LAST - 1, "staff_awu": "12.5", "turnover_eur": 3_000_000,
            "balance_sheet_eur": 2_500_000,
            "stakes": [{"name": "Kieffer", "direction": "upstream",
                        "holder_kind": "business_angel", "capital_percent": 35,
                        "votes_percent": 35, "invested_eur": 400_000}]}
    created = admin.post(f"/api/organisations/{world.org.pk}/sme-declarations", body,
                         content_type="application/json")
    assert created.status_code == 201, created.content
    declaration_id = created.json()["id"]
    operator = client_as(world.operator)
    done = operator.post(f"/api/sme-declarations/{declaration_id}/verify", {},
                         content_type="application/json", headers={"accept-language": "fr"})
    assert done.status_code == 200, done.content
    out = done.json()
    assert (out["state"], out["sme_class"], out["stakes"][0]["relation"]) == (
        "verified", "small", "none")
    assert out["reasons"][0]["code"] == "excepted_investor"
    assert "Kieffer" in out["reasons"][0]["text"]
    assert "autonome" in out["reasons"][0]["text"]
    listed = admin.get(f"/api/organisations/{world.org.pk}/sme-declarations").json()
    assert [d["year"] for d in listed] == [LAST, LAST - 1]


@pytest.mark.parametrize("bad", [
    {"year": 1989}, {"staff_awu": "-1"}, {"staff_awu": "1.001"},
    {"stakes": [{"name": "a\x00", "direction": "upstream", "capital_percent": 1,
                 "votes_percent": 1}]},
    {"stakes": [{"name": "a", "direction": "upstream", "capital_percent": 101,
                 "votes_percent": 1}]},
    {"stakes": [{"name": "a", "direction": "sideways", "capital_percent": 1,
                 "votes_percent": 1}]},
])
def test_the_api_refuses_bad_input_with_422(world: World, bad: dict[str, Any]) -> None:
    body = {"year": LAST - 1, "staff_awu": 12, "turnover_eur": 1, "balance_sheet_eur": 1, **bad}
    response = client_as(world.org_admin).post(
        f"/api/organisations/{world.org.pk}/sme-declarations", body,
        content_type="application/json")
    assert response.status_code == 422, response.content


# ------------------------------------------------------------------------------------ pages


def _post_form(client: Client, org_id: int, **fields: str) -> Any:
    data = {"year": str(LAST - 1), "staff_awu": "30", "turnover_eur": "5000000",
            "balance_sheet_eur": "4000000",
            "stakes-TOTAL_FORMS": "3", "stakes-INITIAL_FORMS": "0",
            "stakes-MIN_NUM_FORMS": "0", "stakes-MAX_NUM_FORMS": "50"}
    for n in range(3):
        data[f"stakes-{n}-direction"] = "upstream"
        data[f"stakes-{n}-holder_kind"] = "enterprise"
    data.update(fields)
    return client.post(f"/organisations/{org_id}/sme/", data)


def test_the_page_declares_with_holdings_and_the_operator_verifies(
        world: World, client_for: ClientFor) -> None:
    admin = client_for(world.org_admin)
    page = html(admin.get(f"/organisations/{world.org.pk}/sme/"))
    assert "Declare a year" in page
    assert 'id="sme-status"' in page
    response = _post_form(admin, world.org.pk, **{
        "stakes-0-name": "Luxinvest", "stakes-0-capital_percent": "40",
        "stakes-0-votes_percent": "40", "stakes-0-staff_awu": "60",
        "stakes-0-turnover_eur": "10000000", "stakes-0-balance_sheet_eur": "9000000"})
    assert response.status_code == 302, html(response)
    declaration = SmeDeclaration.objects.get(organisation=world.org, year=LAST - 1)
    assert [s.name for s in declaration.stakes.all()] == ["Luxinvest"]  # empty rows skipped
    operator = client_for(world.operator)
    page = html(operator.get(f"/organisations/{world.org.pk}/sme/"))
    assert "Declare a year" not in page
    assert 'value="verify"' in page
    operator.post(f"/organisations/{world.org.pk}/sme/{declaration.pk}/review/",
                  {"decision": "verify", "note": "accounts checked"})
    declaration.refresh_from_db()
    assert (declaration.state, declaration.sme_class) == ("verified", "medium")  # 30 + 24 staff
    page = html(admin.get(f"/organisations/{world.org.pk}/sme/"))
    assert "Luxinvest: partner enterprise at 40%" in page
    assert "accounts checked" in page


def test_the_form_keeps_input_and_shows_the_services_refusal(
        world: World, client_for: ClientFor) -> None:
    admin = client_for(world.org_admin)
    page = html(_post_form(admin, world.org.pk, year=str(LAST), staff_awu="31"))
    assert "is verified" in page
    assert 'value="31"' in page
    page = html(_post_form(admin, world.org.pk, **{
        "stakes-0-name": "Angel", "stakes-0-holder_kind": "business_angel",
        "stakes-0-capital_percent": "30", "stakes-0-votes_percent": "30"}))
    assert "amount invested" in page


def test_members_read_others_get_nothing(world: World, client_for: ClientFor) -> None:
    assert client_for(world.member).get(f"/organisations/{world.org.pk}/sme/").status_code == 200
    assert "Declare a year" not in html(client_for(world.member).get(
        f"/organisations/{world.org.pk}/sme/"))
    assert _post_form(client_for(world.member), world.org.pk).status_code == 403
    assert client_for(world.other_member).get(
        f"/organisations/{world.org.pk}/sme/").status_code == 404
    declaration = declare(world, LAST - 1)
    response = client_for(world.org_admin).post(
        f"/organisations/{world.org.pk}/sme/{declaration.pk}/review/", {"decision": "verify"})
    assert response.status_code == 403
    assert SmeDeclaration.objects.get(pk=declaration.pk).state == "submitted"


def test_the_page_in_french(world: World, client_for: ClientFor) -> None:
    client = client_for(world.org_admin)
    client.cookies["django_language"] = "fr"
    page = html(client.get(f"/organisations/{world.org.pk}/sme/",
                           headers={"accept-language": "fr"}))
    assert "Statut de PME" in page or "Statut PME" in page
    assert "Petite entreprise" in page


def test_another_organisation_without_a_declaration_has_no_status(world: World) -> None:
    org, _admin = sign_up("Initech")
    assert selectors.sme_status_of(org.pk, LAST) is None
    assert sme_verified(org, world.operator, staff_awu=5, turnover_eur=1_000_000) == "micro"


# ------------------------------------------------------------------------------------ CLI


def test_the_cli_lists_and_the_operator_verifies(world: World) -> None:
    declaration = declare(world, LAST - 1, 60)
    listed = run_cli(["sme", "list"], token_for(world.org_admin))
    assert listed.exit_code == 0, listed.output
    assert str(LAST) in listed.output
    assert "submitted" in listed.output
    assert "First year declared" in listed.output
    refused = run_cli(["sme", "verify", str(declaration.pk)], token_for(world.org_admin))
    assert refused.exit_code != 0
    done = run_cli(["sme", "verify", str(declaration.pk), "--note", "ok"],
                   token_for(world.operator))
    assert done.exit_code == 0, done.output
    assert "medium" in done.output
    assert SmeDeclaration.objects.get(pk=declaration.pk).state == "verified"


def test_the_stored_choices_are_the_engines_values() -> None:
    assert set(SmeHolderKind.values) == {k.value for k in HolderKind}
    assert set(SmeStakeDirection.values) == {d.value for d in Direction}
    assert set(SmeRelation.values) == {r.value for r in Relation}


# ------------------------------------------------------------------------------------ races

@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_operators_verifying_at_once_verify_once() -> None:
    world = make_world()
    second = staff("operator")
    declaration = declare(world, LAST - 1, 60)
    people = [world.operator, second]
    results = in_threads(2, lambda i: services.sme_declaration_verify(
        access=access_for(people[i]), actor=Actor.of(people[i]),
        declaration_id=declaration.pk), expected=(Conflict,))
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "SmeDeclaration"]
    assert AuditEntry.objects.filter(action="sme.verified",
                                     target=f"sme_declaration:{declaration.pk}").count() == 1


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_declarations_of_one_year_at_once_leave_one() -> None:
    world = make_world()
    in_threads(2, lambda i: declare(world, LAST - 1, 20 + i))
    assert SmeDeclaration.objects.filter(organisation=world.org, year=LAST - 1).count() == 1


def test_operators_have_a_queue_across_organisations(world: World,
                                                     client_for: ClientFor) -> None:
    org, admin = sign_up("Initech")
    declare(world, LAST, 4, org=org, admin=admin)
    declare(world, LAST - 1, 30)
    operator = client_for(world.operator)
    page = html(operator.get("/staff/sme/"))
    assert page.index("Acme Vision") > 0
    assert page.index("Initech") > 0
    assert 'href="/staff/sme/"' in page  # in the operator's menu
    assert f"/organisations/{org.pk}/sme/#declaration-" in page
    for person in (world.reviewer, world.org_admin, world.member):
        assert client_for(person).get("/staff/sme/").status_code == 403
    verify(world, SmeDeclaration.objects.get(organisation=org, year=LAST))
    assert "Initech" not in html(operator.get("/staff/sme/"))
