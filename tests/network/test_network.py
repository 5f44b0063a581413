"""The AI Factories network as its users meet it: a request that needs AMD GPUs referred to the
LUMI AI Factory (its history, its audit, the request's own history), the referrals refused (our
own factory, a capability we have, an unknown key, a factory that does not offer it, anyone but
operators and reviewers), the life cycle's allowed and refused steps, a referral received from
another factory accepted and converted into a request at the single point of entry (linked both
ways, then concluded as a GPU request), the capability check (nobody offers neuromorphic
hardware), the public network page and the staff pages within the tenancy rules."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.errors import Conflict, DomainError, NotFound, PermissionDenied
from laif.accounts.models import AuditEntry, User
from laif.entry import selectors as entry_selectors
from laif.entry import services as entry_services
from laif.entry.models import Intake
from laif.entry.triage import Need
from laif.network import lifecycle, selectors, services
from laif.network.models import Referral
from tests.api_support import client_as
from tests.factories import World
from tests.views_support import html

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _as(user: User) -> dict[str, Any]:
    return {"access": access_for(user), "actor": Actor.of(user)}


def intake(w: World, description: str = "Port our simulator to ROCm on MI250X.") -> Intake:
    return entry_services.intake_submit(
        user=w.project_lead,
        need=Need(goal="train_model", sector="manufacturing", data=frozenset({"sensor"}),
                  budget="10k_50k", timeline="12_months"),
        contact=entry_services.Contact(name="Luc Lead", email="", organisation="Acme Vision",
                                       language="en"),
        description=description).intake


def refer(w: World, i: Intake, *, user: User | None = None, factory: str = "lumi_aif",
          capabilities: tuple[str, ...] = ("amd_gpu",), note: str = "") -> Referral:
    return services.referral_create_outgoing(**_as(user or w.operator), intake_id=i.pk,
                                             factory=factory, capabilities=capabilities,
                                             note=note)


INCOMING: dict[str, Any] = {
    "factory": "ai2f", "capabilities": ["nvidia_gpu"], "organisation_name": "Lyon Robotics",
    "contact_name": "Claire Martin", "email": "Claire@Lyon-Robotics.example",
    "need": "Fine-tune a vision model on 40 TB of images.", "sector": "manufacturing",
    "data_kinds": ["images"], "timeline": "3_months", "language": "fr",
    "reference": "AI2F-2026-117",
}


def incoming(w: World, **changes: Any) -> Referral:
    return services.referral_register_incoming(**_as(w.operator), **{**INCOMING, **changes})


def move(w: World, r: Referral, status: str, *, user: User | None = None,
         **kw: Any) -> Referral:
    return services.referral_status(**_as(user or w.operator), referral_id=r.pk, status=status,
                                    **kw)


def actions(target: str) -> list[str]:
    return list(AuditEntry.objects.filter(target=target).order_by("pk")
                .values_list("action", flat=True))


# ------------------------------------------------------------------------------ outgoing


def test_a_request_needing_amd_gpus_is_referred_to_lumi_with_its_history_and_audit(
        world: World) -> None:
    w = world
    i = intake(w)
    check = selectors.capability_check({"amd_gpu"})
    assert check.missing_locally == ("amd_gpu",)
    assert [o.factory.key for o in check.offering] == ["lumi_aif", "ai2f"]

    r = refer(w, i, note="MI250X nodes for the ROCm port.")
    assert (r.direction, r.factory, r.capabilities, r.status, r.intake_id) == (
        "outgoing", "lumi_aif", ["amd_gpu"], "draft", i.pk)
    move(w, r, "sent", reference="LUMI-4711", note="Sent to LUMI's user support.")
    move(w, r, "accepted", user=w.reviewer)
    move(w, r, "completed")
    r.refresh_from_db()
    assert (r.status, r.reference) == ("completed", "LUMI-4711")

    view = selectors.referral_get(access_for(w.auditor), r.pk)
    assert [(e.kind, e.from_status, e.to_status) for e in view.events] == [
        ("created", "", "draft"), ("status", "draft", "sent"), ("status", "sent", "accepted"),
        ("status", "accepted", "completed")]
    assert view.events[1].text == "Sent to LUMI's user support."
    assert view.events[2].actor_id == w.reviewer.pk
    assert view.intake is not None
    assert view.intake.id == i.pk
    assert view.next_statuses == ()
    assert not view.can_work
    assert actions(f"referral:{r.pk}") == ["network.referred", "network.status",
                                           "network.status", "network.status"]
    detail = AuditEntry.objects.get(target=f"referral:{r.pk}", action="network.referred").detail
    assert detail == {"intake": i.pk, "factory": "lumi_aif", "capabilities": ["amd_gpu"]}

    # the request's own history says where it went, internally
    history = entry_selectors.intake_get(access=access_for(w.operator), user=None,
                                         intake_id=i.pk).events
    notes = [e.text for e in history if e.kind == "comment"]
    assert any("LUMI AI Factory" in t and f"referral {r.pk}" in t for t in notes)
    assert all(not e.public for e in history if e.kind == "comment")
    mine = entry_selectors.intake_get(access=access_for(w.project_lead), user=w.project_lead,
                                      intake_id=i.pk).events
    assert not [e for e in mine if e.kind == "comment"]  # the requester does not see them
    assert [x.pk for x in selectors.referrals_of_intake(access_for(w.reviewer), i.pk)] == [r.pk]


@pytest.mark.parametrize(("factory", "capabilities", "field"), [
    ("l_aif", ("amd_gpu",), "factory"),  # our own factory
    ("lumi_aif", ("nvidia_gpu",), "capabilities"),  # a capability we have
    ("lumi_aif", ("amd_gpu", "nvidia_gpu"), "capabilities"),
    ("atlantis", ("amd_gpu",), "factory"),  # no such factory
    ("lumi_aif", ("warp_drive",), "capabilities"),
    ("lumi_aif", ("arm_cpu",), "factory"),  # LUMI does not offer it
    ("lumi_aif", (), "capabilities"),
])
def test_a_referral_is_refused_on_the_field_at_fault(world: World, factory: str,
                                                     capabilities: tuple[str, ...],
                                                     field: str) -> None:
    i = intake(world)
    with pytest.raises(DomainError) as caught:
        refer(world, i, factory=factory, capabilities=capabilities)
    assert caught.value.field == field
    assert type(caught.value) is DomainError
    assert not Referral.objects.exists()


def test_the_refusals_name_the_reason(world: World) -> None:
    i = intake(world)
    with pytest.raises(DomainError, match="our own factory"):
        refer(world, i, factory="l_aif")
    with pytest.raises(DomainError, match="The local factory offers NVIDIA GPUs"):
        refer(world, i, capabilities=("nvidia_gpu",))
    with pytest.raises(DomainError, match="No factory in the network has this key"):
        refer(world, i, factory="atlantis")


def test_only_operators_and_reviewers_refer(world: World) -> None:
    w = world
    i = intake(w)
    for client in (w.member, w.project_lead, w.org_admin, w.other_member):
        with pytest.raises(NotFound):
            refer(w, i, user=client)
    for staff in (w.trainer, w.auditor):
        with pytest.raises(PermissionDenied):
            refer(w, i, user=staff)
    assert refer(w, i, user=w.reviewer).created_by_id == w.reviewer.pk


def test_no_second_open_referral_to_the_same_factory_and_none_of_a_closed_request(
        world: World) -> None:
    w = world
    i = intake(w)
    first = refer(w, i)
    with pytest.raises(Conflict):
        refer(w, i)
    assert refer(w, i, factory="ai2f").factory == "ai2f"  # another factory: fine
    move(w, first, "sent")
    move(w, first, "declined")
    assert refer(w, i).pk != first.pk  # declined: refer again
    entry_services.intake_move(**_as(w.operator), intake_id=i.pk, status="closed")
    with pytest.raises(Conflict, match="closed"):
        refer(w, i, factory="ai2f")
    with pytest.raises(NotFound):
        services.referral_create_outgoing(**_as(w.operator), intake_id=999_999,
                                          factory="lumi_aif", capabilities=["amd_gpu"])


def test_the_database_keeps_one_open_referral_per_request_and_factory(world: World) -> None:
    """What the service checks, the database holds too (two staff at once)."""
    r = refer(world, intake(world))
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(direction="outgoing", factory="lumi_aif",
                                capabilities=["amd_gpu"], status="sent", intake_id=r.intake_id,
                                created_by=world.reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():  # outgoing: a request, always
        Referral.objects.create(direction="outgoing", factory="ai2f", status="draft",
                                created_by=world.reviewer)


def test_the_life_cycle_allows_its_steps_and_refuses_the_others(world: World) -> None:
    w = world
    r = refer(w, intake(w))
    for wrong in ("accepted", "completed", "received", "converted"):
        with pytest.raises(Conflict):
            move(w, r, wrong)
    with pytest.raises(DomainError) as caught:
        move(w, r, "teleported")
    assert caught.value.field == "status"
    assert move(w, r, "draft").status == "draft"  # the same again: nothing happens
    move(w, r, "draft", note="Waiting for the requester's consent.")
    move(w, r, "sent")
    move(w, r, "declined", note="No capacity before June.")
    for later in ("accepted", "completed", "sent"):
        with pytest.raises(Conflict):
            move(w, r, later)
    kinds = [e.kind for e in r.events.all()]
    assert kinds == ["created", "note", "status", "status"]
    with pytest.raises(NotFound):
        move(w, r, "sent", user=w.member)
    with pytest.raises(NotFound):
        move(w, r, "sent", user=w.trainer)
    with pytest.raises(PermissionDenied):
        move(w, r, "sent", user=w.auditor)


def test_the_lifecycle_module_is_the_rule() -> None:
    assert lifecycle.by_hand("outgoing", "draft") == ("sent",)
    assert lifecycle.by_hand("outgoing", "sent") == ("accepted", "declined")
    assert lifecycle.by_hand("incoming", "accepted") == ("completed",)
    assert lifecycle.next_statuses("incoming", "accepted") == ("converted", "completed")
    assert lifecycle.can_convert("incoming", "accepted")
    assert not lifecycle.can_convert("incoming", "received")
    assert not lifecycle.can_convert("outgoing", "accepted")
    assert not lifecycle.can_move("incoming", "accepted", "converted")
    assert lifecycle.can_move("incoming", "converted", "completed")
    assert not lifecycle.is_open("outgoing", "declined")
    assert lifecycle.statuses_of("incoming") == ("received", "accepted", "declined",
                                                 "converted", "completed")
    assert lifecycle.next_statuses("sideways", "draft") == ()


# ------------------------------------------------------------------------------ incoming


def test_an_incoming_referral_is_accepted_and_becomes_a_local_request_linked_both_ways(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    w = world
    r = incoming(w)
    assert (r.direction, r.status, r.email, r.intake_id) == (
        "incoming", "received", "claire@lyon-robotics.example", None)
    with pytest.raises(Conflict):  # not accepted yet
        services.referral_convert(**_as(w.operator), referral_id=r.pk)
    with pytest.raises(Conflict):  # by its own action only
        move(w, r, "converted")
    move(w, r, "accepted", user=w.reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_convert(**_as(w.operator), referral_id=r.pk)
    r.refresh_from_db()
    assert r.status == "converted"
    assert r.intake_id is not None
    made = Intake.objects.get(pk=r.intake_id)
    assert (made.goal, made.sector, made.data_kinds, made.budget, made.timeline) == (
        "train_model", "manufacturing", ["images"], "unknown", "3_months")
    assert (made.email, made.contact_name, made.organisation_name, made.language) == (
        "claire@lyon-robotics.example", "Claire Martin", "Lyon Robotics", "fr")
    assert made.status == "unverified"  # its requester confirms the address first
    assert "AI Factory France (AI2F)" in made.description
    assert "AI2F-2026-117" in made.description
    assert f"{r.pk}" in made.description
    assert made.description.endswith(INCOMING["need"])
    assert "gpu_allocation" in [m["service"] for m in made.classification]
    # linked both ways
    assert [x.pk for x in selectors.referrals_of_intake(access_for(w.auditor), made.pk)] \
        == [r.pk]
    view = selectors.referral_get(access_for(w.operator), r.pk)
    assert view.intake is not None
    assert view.intake.id == made.pk
    assert not view.intake.confirmed
    assert view.next_statuses == ("completed",)
    assert not view.can_convert
    assert [e.kind for e in view.events] == ["created", "status", "converted"]
    assert actions(f"referral:{r.pk}") == ["network.received", "network.status",
                                           "network.converted"]
    # the requester is e-mailed the follow link; opening it puts the request in the inbox
    assert [m.to for m in mail.outbox] == [["claire@lyon-robotics.example"]]
    link = re.search(r"/start/follow/[^/\s]+/", str(mail.outbox[0].body))
    assert link is not None
    entry_services.intake_verify(token=entry_services.follow_token(made))
    assert made.pk in [x.pk for x in entry_selectors.inbox(access=access_for(w.operator))]
    # and staff conclude it as a GPU request: a local allocation request
    entry_services.intake_conclude(**_as(w.operator), intake_id=made.pk, outcome="gpu_request")
    summary = selectors.intake_summary(made.pk)
    assert summary is not None
    assert summary.confirmed
    assert summary.outcome == "GPU request"
    with pytest.raises(Conflict):  # converted once
        services.referral_convert(**_as(w.operator), referral_id=r.pk)
    move(w, r, "completed")


@pytest.mark.parametrize(("changes", "field"), [
    ({"factory": "l_aif"}, "factory"),
    ({"factory": "atlantis"}, "factory"),
    ({"capabilities": ["amd_gpu"]}, "capabilities"),  # we do not offer it
    ({"email": "not-an-address"}, "email"),
    ({"contact_name": "  "}, "contact_name"),
    ({"need": ""}, "need"),
    ({"need": "x" * 2501}, "need"),
    ({"sector": "piracy"}, "sector"),
    ({"data_kinds": []}, "data_kinds"),
    ({"data_kinds": ["none", "images"]}, "data_kinds"),
    ({"timeline": "yesterday"}, "timeline"),
    ({"language": "xx"}, "language"),
])
def test_an_incoming_referral_is_refused_on_the_field_at_fault(
        world: World, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as caught:
        incoming(world, **changes)
    assert caught.value.field == field
    assert not Referral.objects.exists()


def test_only_operators_and_reviewers_register_or_convert(world: World) -> None:
    w = world
    for user in (w.member, w.org_admin, w.trainer, w.auditor):
        with pytest.raises(PermissionDenied):
            services.referral_register_incoming(**_as(user), **INCOMING)
    r = incoming(w)
    move(w, r, "accepted")
    for user in (w.member, w.trainer):
        with pytest.raises(NotFound):
            services.referral_convert(**_as(user), referral_id=r.pk)
    with pytest.raises(PermissionDenied):
        services.referral_convert(**_as(w.auditor), referral_id=r.pk)
    assert incoming(w, factory="lumi_aif", capabilities=[]).status == "received"


def test_a_declined_incoming_referral_ends_there(world: World) -> None:
    w = world
    r = incoming(w)
    move(w, r, "declined", note="Outside our sovereignty rules.")
    with pytest.raises(Conflict):
        services.referral_convert(**_as(w.operator), referral_id=r.pk)
    with pytest.raises(Conflict):
        move(w, r, "accepted")


# ------------------------------------------------------------------------------ reads


def test_referrals_are_read_by_operators_reviewers_and_auditors_only(world: World) -> None:
    w = world
    out = refer(w, intake(w))
    inc = incoming(w)
    for staff in (w.operator, w.reviewer, w.auditor):
        assert {r.pk for r in selectors.referrals(access_for(staff))} == {out.pk, inc.pk}
    only_in = selectors.referrals(access_for(w.auditor),
                                  selectors.ReferralFilter(direction="incoming"))
    assert [r.pk for r in only_in] == [inc.pk]
    assert selectors.referrals(access_for(w.auditor),
                               selectors.ReferralFilter(status="draft"))[0].pk == out.pk
    for user in (w.member, w.project_lead, w.trainer):
        with pytest.raises(PermissionDenied):
            selectors.referrals(access_for(user))
        with pytest.raises(NotFound):
            selectors.referral_get(access_for(user), out.pk)
    with pytest.raises(NotFound):  # the requester: not even their request's referrals
        selectors.referrals_of_intake(access_for(w.project_lead), out.intake_id or 0)
    with pytest.raises(PermissionDenied):
        selectors.referrals_of_intake(access_for(w.trainer), out.intake_id or 0)


def test_the_capability_check_says_when_nobody_offers_it() -> None:
    check = selectors.capability_check({"neuromorphic", "amd_gpu", "nvidia_gpu"})
    assert check.local == ("nvidia_gpu",)
    assert check.missing_locally == ("amd_gpu", "neuromorphic")
    assert check.nowhere == ("neuromorphic",)
    assert [o.factory.key for o in check.offering] == ["lumi_aif", "ai2f"]
    assert check.offering[0].offers == ("amd_gpu",)
    assert selectors.capability_check({"nvidia_gpu"}).all_local
    with pytest.raises(DomainError):
        selectors.capability_check({"warp_drive"})


# ------------------------------------------------------------------------------ API


def test_the_network_api_is_public_with_sources_and_verified_flags() -> None:
    client = Client()
    factories = client.get("/api/network/factories").json()
    assert len(factories) == 19
    assert [f["key"] for f in factories if f["local"]] == ["l_aif"]
    bsc = next(f for f in factories if f["key"] == "bsc_aif")
    assert bsc["source"]["url"].startswith("http")
    access = {c["key"]: c for c in bsc["access"]}
    assert access["eurohpc_call"]["verified"] is False
    assert access["eurohpc_call"]["note"]
    assert all("label" in c for y in bsc["systems"] for c in y["capabilities"])
    amd = client.get("/api/network/factories", {"capability": "amd_gpu"}).json()
    assert [f["key"] for f in amd] == ["lumi_aif", "ai2f"]
    nvidia = client.get("/api/network/factories", {"capability": "nvidia_gpu"}).json()
    assert nvidia[0]["key"] == "l_aif"
    assert client.get("/api/network/factories", {"capability": "neuromorphic"}).json() == []
    lumi = client.get("/api/network/factories/lumi_aif").json()
    assert "amd_gpu" in lumi["capabilities"]
    assert client.get("/api/network/factories/atlantis").status_code == 404
    check = client.get("/api/network/capability-check",
                       {"capability": ["amd_gpu", "neuromorphic"]}).json()
    assert check["missing_locally"] == ["amd_gpu", "neuromorphic"]
    assert check["nowhere"] == ["neuromorphic"]
    assert [o["factory"] for o in check["offering"]] == ["lumi_aif", "ai2f"]
    assert client.get("/api/network/capability-check",
                      {"capability": "warp_drive"}).status_code == 400


def test_the_referral_api_refers_moves_registers_and_converts(world: World) -> None:
    w = world
    i = intake(w)
    operator = client_as(w.operator)
    made = operator.post(f"/api/intakes/{i.pk}/referrals",
                         {"factory": "lumi_aif", "capabilities": ["amd_gpu"]}, content_type=JSON)
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["status"], body["intake_id"], body["next_statuses"]) == ("draft", i.pk, ["sent"])
    assert body["intake"]["id"] == i.pk
    assert body["events"][0]["kind"] == "created"
    refused = operator.post(f"/api/intakes/{i.pk}/referrals",
                            {"factory": "l_aif", "capabilities": ["amd_gpu"]}, content_type=JSON)
    assert refused.status_code == 400
    moved = operator.post(f"/api/referrals/{body['id']}/status",
                          {"status": "sent", "reference": "LUMI-1"}, content_type=JSON)
    assert moved.status_code == 200
    assert moved.json()["reference"] == "LUMI-1"
    wrong = operator.post(f"/api/referrals/{body['id']}/status", {"status": "completed"},
                          content_type=JSON)
    assert wrong.status_code == 409
    nul = operator.post(f"/api/referrals/{body['id']}/status", {"status": "sent", "note": "a\x00"},
                        content_type=JSON)
    assert nul.status_code == 422
    received = operator.post("/api/referrals/incoming", INCOMING, content_type=JSON)
    assert received.status_code == 201, received.content
    rid = received.json()["id"]
    assert operator.post(f"/api/referrals/{rid}/conversion").status_code == 409
    operator.post(f"/api/referrals/{rid}/status", {"status": "accepted"}, content_type=JSON)
    converted = operator.post(f"/api/referrals/{rid}/conversion")
    assert converted.status_code == 200
    assert converted.json()["status"] == "converted"
    assert converted.json()["intake"]["confirmed"] is False
    listed = client_as(w.auditor).get("/api/referrals", {"direction": "incoming"}).json()
    assert [r["id"] for r in listed] == [rid]
    of_intake = client_as(w.reviewer).get(f"/api/intakes/{i.pk}/referrals").json()
    assert [r["id"] for r in of_intake] == [body["id"]]
    assert client_as(w.member).get(f"/api/referrals/{rid}").status_code == 404


# ------------------------------------------------------------------------------ pages


def test_the_public_network_page_lists_the_factories_and_marks_unverified_facts() -> None:
    page = Client().get("/network/")
    assert page.status_code == 200
    text = html(page)
    assert "LUMI AI Factory" in text
    assert "AI Factory France (AI2F)" in text
    assert 'id="factory-l_aif"' in text
    assert "This factory" in text
    assert text.count('class="card factory') == 19
    assert "not verified" in text
    assert "https://" in text  # sources are links


def test_the_capability_filter_says_who_offers_it_and_whether_we_have_it() -> None:
    client = Client()
    amd = html(client.get("/network/", {"capability": "amd_gpu"}))
    assert 'id="local-lacks"' in amd
    assert amd.index('href="#factory-lumi_aif"') < amd.index('href="#factory-ai2f"')
    assert amd.count('class="card factory') == 2
    nvidia = html(client.get("/network/", {"capability": "nvidia_gpu"}))
    assert 'id="local-has"' in nvidia
    neuro = html(client.get("/network/", {"capability": "neuromorphic"}))
    assert "No factory in the network offers it." in neuro
    assert neuro.count('class="card factory') == 0
    assert client.get("/network/", {"capability": "warp_drive"}).status_code == 200


def test_the_staff_pages_render_for_staff_and_are_refused_to_others(world: World) -> None:
    w = world
    i = intake(w)
    r = refer(w, i)
    for user in (w.operator, w.reviewer, w.auditor):
        client = client_as(user)
        assert client.get("/staff/referrals/").status_code == 200
        page = client.get(f"/staff/referrals/{r.pk}/")
        assert page.status_code == 200
        assert f'href="/requests/{i.pk}/"' in html(page)
    buttons = html(client_as(w.operator).get(f"/staff/referrals/{r.pk}/"))
    assert 'name="status" value="sent"' in buttons
    assert 'name="status"' not in html(client_as(w.auditor).get(f"/staff/referrals/{r.pk}/"))
    for user in (w.member, w.project_lead, w.other_member, w.trainer):
        client = client_as(user)
        assert client.get("/staff/referrals/").status_code == 403
        assert client.get(f"/staff/referrals/{r.pk}/").status_code == 404
        assert client.post(f"/staff/referrals/{r.pk}/status/",
                           {"status": "sent"}).status_code == 404
    for user in (w.member, w.project_lead):
        assert client_as(user).get(f"/staff/referrals/new/?intake={i.pk}").status_code == 404
        assert client_as(user).get("/staff/referrals/incoming/").status_code == 404
    for user in (w.trainer, w.auditor):
        assert client_as(user).get(f"/staff/referrals/new/?intake={i.pk}").status_code == 403
        assert client_as(user).get("/staff/referrals/incoming/").status_code == 403
    assert client_as(w.auditor).post(f"/staff/referrals/{r.pk}/status/",
                                     {"status": "sent"}).status_code == 403
    anonymous = Client().get("/staff/referrals/")
    assert anonymous.status_code == 302
    assert "/login" in anonymous["Location"]


def test_staff_refer_a_request_from_the_page(world: World) -> None:
    w = world
    i = intake(w)
    client = client_as(w.operator)
    first = html(client.get(f"/staff/referrals/new/?intake={i.pk}"))
    assert 'value="amd_gpu"' in first
    assert 'value="nvidia_gpu"' not in first
    assert "no factory in the network offers it" in first  # neuromorphic
    assert 'id="refer-form"' not in first
    ranked = html(client.get("/staff/referrals/new/", {"intake": str(i.pk),
                                                         "capabilities": "amd_gpu"}))
    assert ranked.index('id="offer-lumi_aif"') < ranked.index('id="offer-ai2f"')
    assert 'id="refer-form"' in ranked
    nowhere = html(client.get("/staff/referrals/new/", {
        "intake": str(i.pk), "capabilities": ["amd_gpu", "neuromorphic"]}))
    assert "No factory in the network offers Neuromorphic hardware." in nowhere
    assert 'id="refer-form"' not in nowhere
    assert 'id="no-single"' in nowhere
    done = client.post(f"/staff/referrals/new/?intake={i.pk}", {
        "capabilities": ["amd_gpu"], "factory": "lumi_aif", "note": "ROCm port"})
    r = Referral.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/staff/referrals/{r.pk}/"
    assert (r.factory, r.capabilities, r.notes) == ("lumi_aif", ["amd_gpu"], "ROCm port")
    again = client.post(f"/staff/referrals/new/?intake={i.pk}", {
        "capabilities": ["amd_gpu"], "factory": "lumi_aif"})
    assert again.status_code == 400
    assert "already referred" in html(again)
    assert client.get("/staff/referrals/new/?intake=abc").status_code == 404
    assert client.get("/staff/referrals/new/?intake=999999").status_code == 404
    assert client.get("/staff/referrals/new/").status_code == 404
    sent = client.post(f"/staff/referrals/{r.pk}/status/", {"status": "sent",
                                                           "reference": "LUMI-9"})
    assert sent.status_code == 302
    r.refresh_from_db()
    assert (r.status, r.reference) == ("sent", "LUMI-9")
    wrong = client.post(f"/staff/referrals/{r.pk}/status/", {"status": "completed"})
    assert wrong.status_code == 400
    listed = html(client.get("/staff/referrals/", {"status": "sent"}))
    assert f'id="referral-{r.pk}"' in listed
    assert f'id="referral-{r.pk}"' not in html(client.get("/staff/referrals/",
                                                           {"direction": "incoming"}))


def test_staff_register_accept_and_convert_an_incoming_referral_from_the_pages(
        world: World) -> None:
    w = world
    client = client_as(w.reviewer)
    assert client.get("/staff/referrals/incoming/").status_code == 200
    form = {**INCOMING, "budget": "unknown"}
    bad = client.post("/staff/referrals/incoming/", {**form, "capabilities": ["amd_gpu"]})
    assert bad.status_code == 400
    assert "valid choice" in html(bad)
    refused = client.post("/staff/referrals/incoming/", {**form,
                                                         "data_kinds": ["none", "images"]})
    assert refused.status_code == 400
    assert "Choose one of the answers offered." in html(refused)
    made = client.post("/staff/referrals/incoming/", form)
    r = Referral.objects.get()
    assert made.status_code == 302
    assert made["Location"] == f"/staff/referrals/{r.pk}/"
    page = html(client.get(f"/staff/referrals/{r.pk}/"))
    assert "Claire Martin" in page
    assert 'id="conversion-form"' not in page
    client.post(f"/staff/referrals/{r.pk}/status/", {"status": "accepted"})
    assert 'id="conversion-form"' in html(client.get(f"/staff/referrals/{r.pk}/"))
    assert client.post(f"/staff/referrals/{r.pk}/conversion/").status_code == 302
    r.refresh_from_db()
    assert r.status == "converted"
    assert r.intake_id is not None
    page = html(client.get(f"/staff/referrals/{r.pk}/"))
    assert f'href="/requests/{r.intake_id}/"' in page
    assert 'id="unconfirmed"' in page
    assert client_as(w.auditor).post(f"/staff/referrals/{r.pk}/conversion/").status_code == 403


def test_the_network_pages_in_french_write_no_number_the_english_way(world: World) -> None:
    """What tests/test_french_numbers.py checks on the pages the home page links to, here on
    the network's (the catalogue's English source titles and notes are marked as such)."""
    from tests.test_french_numbers import ENGLISH_NUMBER, _text

    w = world
    i = intake(w)
    r = refer(w, i)
    received = incoming(w)
    pages = {None: ["/network/", "/network/?capability=amd_gpu"],
             w.operator: ["/staff/referrals/", f"/staff/referrals/{r.pk}/",
                          f"/staff/referrals/{received.pk}/",
                          f"/staff/referrals/new/?intake={i.pk}&capabilities=amd_gpu",
                          "/staff/referrals/incoming/"]}
    for user, paths in pages.items():
        client = client_as(user)
        client.cookies["django_language"] = "fr"
        for path in paths:
            page = client.get(path)
            assert page.status_code == 200, path
            assert page["Content-Language"] == "fr"
            hits = sorted({m.group(0) for m in ENGLISH_NUMBER.finditer(_text(html(page)))})
            assert hits == [], (path, hits)


def test_the_request_page_offers_staff_the_referral(world: World) -> None:
    i = intake(world)
    page = html(client_as(world.operator).get(f"/requests/{i.pk}/"))
    assert f'href="/staff/referrals/new/?intake={i.pk}"' in page
    refer_page = client_as(world.operator).get(f"/staff/referrals/new/?intake={i.pk}")
    assert refer_page.status_code == 200
