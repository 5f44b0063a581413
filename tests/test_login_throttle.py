"""Password-login throttling (django-axes, ADR 0016): per (account, client address), the client
address taken from X-Forwarded-For only behind a trusted proxy, a growing delay for staff, the
same rules for the portal, the API's token login and the Django admin."""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from typing import Any, cast

import pytest
from django.conf import settings
from django.db.models import F, QuerySet, Sum
from django.test import Client, override_settings

from laif.accounts.models import AuditEntry
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db

LIMIT = settings.LAIF_LOGIN_MAX_FAILURES
PROXY = "10.0.0.2"


def api_login(email: str, password: str, ip: str = "192.0.2.10",
              forwarded: str | None = None) -> int:
    return int(api_answer(email, password, ip, forwarded).status_code)


def api_answer(email: str, password: str, ip: str = "192.0.2.10",
               forwarded: str | None = None) -> Any:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else None
    return Client(REMOTE_ADDR=ip, headers=headers).post(
        "/api/auth/token", {"email": email, "password": password},
        content_type="application/json")


def attempts() -> QuerySet[Any]:
    """axes' failure records (imported here: the rules above hold whatever records them)."""
    from axes.models import AccessAttempt

    return cast("QuerySet[Any]", AccessAttempt.objects.all())


def age_failures(delta: timedelta) -> None:
    """Move every recorded failure back in time (as if ``delta`` had passed)."""
    attempts().update(attempt_time=F("attempt_time") - delta)


def failures_of(email: str) -> int:
    return attempts().filter(username=email).aggregate(n=Sum("failures_since_start"))["n"] or 0


# ------------------------------------------------------------------ the pair (account, address)


def test_locked_after_the_limit_even_with_the_right_password(world: World) -> None:
    for _ in range(LIMIT - 1):
        assert api_login("member@acme.lu", "wrong-password") == 401
    # The failure that reaches the limit already says so.
    assert api_login("member@acme.lu", "wrong-password") == 429
    assert api_login("member@acme.lu", PASSWORD) == 429
    assert failures_of("member@acme.lu") == LIMIT  # refused tries are not counted


def test_lock_message_says_when_to_try_again(world: World) -> None:
    for _ in range(LIMIT):
        api_login("member@acme.lu", "wrong")
    response = api_answer("member@acme.lu", PASSWORD)
    assert response.status_code == 429
    detail = response.json()["detail"]
    minutes = settings.LAIF_LOGIN_LOCKOUT_MINUTES
    assert re.search(rf"Try again in {minutes} minutes \(at \d\d:\d\d\)", detail), detail
    assert "reset your password" in detail
    retry_after = int(response["Retry-After"])
    assert minutes * 60 - 5 <= retry_after <= minutes * 60 + 1


def test_someone_elsewhere_cannot_lock_a_person_out(world: World) -> None:
    for _ in range(LIMIT * 3):
        api_login("member@acme.lu", "guess", ip="203.0.113.66")
    assert api_login("member@acme.lu", PASSWORD, ip="203.0.113.66") == 429
    assert api_login("member@acme.lu", PASSWORD, ip="192.0.2.10") == 201


def test_one_address_failing_on_many_accounts_does_not_lock_the_others(world: World) -> None:
    for i in range(LIMIT * 4):
        api_login(f"nobody{i}@example.lu", "guess", ip="192.0.2.66")
    assert api_login("member@acme.lu", PASSWORD, ip="192.0.2.66") == 201


def test_the_account_name_is_counted_whatever_its_case(world: World) -> None:
    for i in range(LIMIT):
        api_login("Member@ACME.lu" if i % 2 else "member@acme.lu", "wrong")
    assert api_login("member@acme.lu", PASSWORD) == 429
    assert api_login("lead@acme.lu", PASSWORD) == 201  # other accounts are unaffected


def test_failures_are_recorded_in_the_audit_log_but_refused_tries_are_not(world: World) -> None:
    for _ in range(LIMIT + 3):
        api_login("member@acme.lu", "wrong")
    assert AuditEntry.objects.filter(action="login.failed",
                                     target="email:member@acme.lu").count() == LIMIT


# ------------------------------------------------------------------ behind a reverse proxy


@override_settings(LAIF_TRUSTED_PROXIES=[ipaddress.ip_network(PROXY)])
def test_behind_the_trusted_proxy_one_attacker_does_not_lock_everyone(world: World) -> None:
    """Before: every request came from the proxy's address, and 20 failures from anyone locked
    out every password login."""
    for i in range(LIMIT * 5):
        api_login(f"nobody{i}@example.lu", "guess", ip=PROXY, forwarded="203.0.113.66")
    for _ in range(LIMIT):
        api_login("member@acme.lu", "guess", ip=PROXY, forwarded="203.0.113.66")
    assert api_login("member@acme.lu", PASSWORD, ip=PROXY, forwarded="203.0.113.66") == 429
    assert api_login("member@acme.lu", PASSWORD, ip=PROXY, forwarded="198.51.100.20") == 201
    assert api_login("lead@acme.lu", PASSWORD, ip=PROXY, forwarded="198.51.100.21") == 201
    assert set(attempts().values_list("ip_address", flat=True)) == {"203.0.113.66"}


@override_settings(LAIF_TRUSTED_PROXIES=[ipaddress.ip_network(PROXY)])
def test_a_forged_forwarded_header_does_not_move_the_client(world: World) -> None:
    """A client that is not a trusted proxy cannot change its address by sending the header, nor
    a client behind the proxy by writing addresses to the left of the proxy's."""
    for i in range(LIMIT):
        assert api_login("member@acme.lu", "wrong", ip="198.51.100.7",
                         forwarded=f"192.0.2.{i + 1}") in (401, 429)
    assert api_login("member@acme.lu", PASSWORD, ip="198.51.100.7",
                     forwarded="192.0.2.200") == 429
    for i in range(LIMIT):
        api_login("lead@acme.lu", "wrong", ip=PROXY, forwarded=f"192.0.2.{i + 1}, 203.0.113.9")
    assert api_login("lead@acme.lu", PASSWORD, ip=PROXY,
                     forwarded="192.0.2.250, 203.0.113.9") == 429


# ------------------------------------------------------------------ the waits


def test_after_the_wait_one_more_try_then_the_next_failure_waits_again(world: World) -> None:
    for _ in range(LIMIT):
        api_login("member@acme.lu", "wrong")
    lockout = timedelta(minutes=settings.LAIF_LOGIN_LOCKOUT_MINUTES)
    age_failures(lockout - timedelta(seconds=30))
    assert api_login("member@acme.lu", PASSWORD) == 429  # still waiting
    age_failures(timedelta(seconds=31))
    assert api_login("member@acme.lu", "wrong") == 429  # one more try, failed: wait again
    assert api_login("member@acme.lu", PASSWORD) == 429
    age_failures(lockout)
    assert api_login("member@acme.lu", PASSWORD) == 201


def test_refused_tries_do_not_extend_the_wait(world: World) -> None:
    for _ in range(LIMIT):
        api_login("member@acme.lu", "wrong")
    for _ in range(10):
        assert api_login("member@acme.lu", PASSWORD) == 429
    age_failures(timedelta(minutes=settings.LAIF_LOGIN_LOCKOUT_MINUTES, seconds=1))
    assert api_login("member@acme.lu", PASSWORD) == 201


def test_a_success_clears_the_failures(world: World) -> None:
    for _ in range(LIMIT - 1):
        assert api_login("member@acme.lu", "wrong") == 401
    assert api_login("member@acme.lu", PASSWORD) == 201
    assert failures_of("member@acme.lu") == 0
    for _ in range(LIMIT - 1):
        assert api_login("member@acme.lu", "wrong") == 401
    assert api_login("member@acme.lu", PASSWORD) == 201


def test_failures_older_than_a_day_are_forgotten(world: World) -> None:
    for _ in range(LIMIT - 1):
        api_login("member@acme.lu", "wrong")
    age_failures(timedelta(days=1, minutes=settings.LAIF_LOGIN_LOCKOUT_MINUTES, seconds=1))
    assert api_login("member@acme.lu", "wrong") == 401  # the count started again


def test_staff_are_delayed_by_a_growing_wait_not_locked_out(world: World) -> None:
    staff = world.operator.email
    first = settings.LAIF_LOGIN_STAFF_DELAY_SECONDS
    for _ in range(LIMIT - 1):
        assert api_login(staff, "wrong") == 401
    answer = api_answer(staff, "wrong")
    assert answer.status_code == 429
    assert f"Try again in {first} seconds" in answer.json()["detail"]
    waits: list[int] = []
    for _ in range(3):
        age_failures(timedelta(seconds=first * 2 ** len(waits) + 1))
        answer = api_answer(staff, "wrong")  # the try after the wait fails again
        waits.append(int(answer["Retry-After"]))
    assert waits == pytest.approx([first * 2, first * 4, first * 8], abs=2)
    age_failures(timedelta(seconds=first * 8 + 1))
    assert api_login(staff, PASSWORD) == 201


def test_a_staff_delay_never_exceeds_the_client_lockout(world: World) -> None:
    staff = world.operator.email
    attempts().create(
        username=staff, ip_address="192.0.2.10", user_agent="<unknown>", failures_since_start=60,
        get_data="", post_data="", http_accept="", path_info="/api/auth/token")
    answer = api_answer(staff, PASSWORD)
    assert answer.status_code == 429
    assert int(answer["Retry-After"]) <= settings.LAIF_LOGIN_LOCKOUT_MINUTES * 60 + 1


@override_settings(LAIF_LOGIN_MAX_FAILURES=2, LAIF_LOGIN_LOCKOUT_MINUTES=1)
def test_limits_come_from_settings(world: World) -> None:
    assert api_login("member@acme.lu", "wrong") == 401
    assert api_login("member@acme.lu", PASSWORD) == 201  # one failure is below the limit of 2
    assert api_login("member@acme.lu", "wrong") == 401
    assert api_login("member@acme.lu", "wrong") == 429
    age_failures(timedelta(minutes=1, seconds=1))
    assert api_login("member@acme.lu", PASSWORD) == 201


# ------------------------------------------------------------------ portal and Django admin


def test_portal_login_page_says_when_to_try_again_in_french(world: World) -> None:
    client = Client(REMOTE_ADDR="192.0.2.30", HTTP_ACCEPT_LANGUAGE="fr")
    for _ in range(LIMIT):
        client.post("/login/", {"email": "member@acme.lu", "password": "wrong"})
    page = client.post("/login/", {"email": "member@acme.lu", "password": PASSWORD})
    assert page.status_code == 429
    text = page.content.decode()
    assert "Trop d&#x27;échecs de connexion pour ce compte depuis votre adresse" in text
    assert re.search(r"Réessayez dans \d+ minutes \(à \d\d:\d\d\)", text), text
    assert 'name="email"' in text  # the login form is still there
    assert "/password-reset/" in text


def test_portal_and_api_failures_count_together(world: World) -> None:
    client = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(LIMIT - 1):
        assert client.post("/login/", {"email": "member@acme.lu", "password": "x"}).status_code \
            == 200
    assert api_login("member@acme.lu", "wrong") == 429


def test_the_django_admin_login_is_throttled_too(world: World) -> None:
    client = Client(REMOTE_ADDR="192.0.2.40")
    for _ in range(LIMIT - 1):
        page = client.post("/django-admin/login/",
                           {"username": world.member.email, "password": "wrong"})
        assert page.status_code == 200
    page = client.post("/django-admin/login/", {"username": world.member.email.upper(),
                                                "password": "wrong"})
    assert page.status_code == 429
    assert "Too many failed logins" in page.content.decode()
    assert api_login("member@acme.lu", PASSWORD, ip="192.0.2.40") == 429
