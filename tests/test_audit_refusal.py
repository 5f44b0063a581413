"""A database writer who rewrites or truncates the audit log and moves the checkpoint cannot get
the platform to seal it: the next audited action (an anonymous failed login is enough) checks
the sealed head first, is refused with a clear message (never a 500), and raises one alert to
the auditors however many writes are refused (ADR 0012)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from laif.accounts.audit import audit_verify
from laif.accounts.models import AuditAlert, AuditEntry, Notice
from tests.audit_support import head, last_seq, rewrite_from, truncate_to
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db

REFUSED = "failed its integrity check"


def failed_login(client: Client | None = None) -> str:
    """An anonymous failed login on the login page; the page's text."""
    response = (client or Client()).post("/login/", {"email": "member@acme.lu",
                                                     "password": "not the password"})
    assert response.status_code == 200
    return response.content.decode()


def test_rewrite_and_append_is_refused_and_verify_fails(world: World) -> None:
    forged = rewrite_from(3, {"note": "nothing to see"})
    before = last_seq()
    page = failed_login()
    assert REFUSED in page
    assert "Wrong e-mail address or password" not in page
    assert last_seq() == before  # nothing appended
    assert (head().seq, head().hash) == (before, forged)  # ... and the forged head not sealed
    result = audit_verify()
    assert not result.ok
    assert "the checkpoint's seal is invalid (checkpoint edited)" in result.problems


def test_truncate_and_append_is_refused(world: World) -> None:
    truncate_to(4)
    page = failed_login()
    assert REFUSED in page
    assert last_seq() == 4
    assert not audit_verify().ok


def test_truncation_without_moving_the_checkpoint_is_refused(world: World) -> None:
    last = last_seq()
    AuditEntry.objects.filter(seq__gt=last - 2).delete()
    assert REFUSED in failed_login()
    assert last_seq() == last - 2


def test_a_rewritten_newest_entry_is_refused(world: World) -> None:
    AuditEntry.objects.filter(seq=last_seq()).update(target="email:someone-else@acme.lu")
    assert REFUSED in failed_login()


def test_an_entry_slipped_in_behind_the_head_is_refused_not_a_500(world: World) -> None:
    newest = AuditEntry.objects.get(seq=last_seq())
    newest.pk, newest.seq, newest.hash = None, newest.seq + 1, "e" * 64
    newest.save()
    assert REFUSED in failed_login()


def test_refused_login_over_the_api_is_a_clear_503(world: World) -> None:
    rewrite_from(2, {"note": "rewritten"})
    for password in ("wrong", PASSWORD):  # a good password does not get past it either
        response = Client().post("/api/auth/token",
                                 {"email": "member@acme.lu", "password": password},
                                 content_type="application/json")
        assert response.status_code == 503
        assert REFUSED in response.json()["detail"]


def test_refused_staff_read_renders_the_error_page(world: World,
                                                   client_for: Callable[..., Client]) -> None:
    truncate_to(3)
    response = client_for(world.operator).get(f"/organisations/{world.org.pk}/")
    assert response.status_code == 503
    assert REFUSED in response.content.decode()


def test_refused_write_outside_the_service_pages_is_not_a_500(
    world: World, client_for: Callable[..., Client]
) -> None:
    """The language switch saves the preference (audited) without a page wrapper."""
    truncate_to(3)
    response = client_for(world.member).post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 503
    assert REFUSED in response.content.decode()
    world.member.refresh_from_db()
    assert world.member.language != "fr"


def test_one_alert_for_a_flood_of_refused_writes(
    world: World, caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Callable[..., object], settings: SettingsWrapper,
) -> None:
    settings.LAIF_LOGIN_MAX_FAILURES = 100  # the flood is not throttled: every try writes
    rewrite_from(3, {"note": "nothing to see"})
    client = Client()
    with caplog.at_level(logging.ERROR, logger="laif"), \
            django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        for _ in range(5):
            assert REFUSED in failed_login(client)
    critical = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert len(critical) == 1
    assert "AUDIT LOG INTEGRITY ALERT" in critical[0].getMessage()
    assert "seal of the checkpoint" in critical[0].getMessage()
    refusals = [r for r in caplog.records if r.levelno == logging.ERROR
                and "refused to record 'login.failed'" in r.getMessage()]
    assert len(refusals) == 5  # each refused write is still logged
    notices = Notice.objects.filter(kind="audit.alert")
    assert [n.recipient for n in notices] == [world.auditor]
    assert notices[0].link == "/staff/audit/verify/"
    assert [m.to for m in mail.outbox] == [[world.auditor.email]]
    assert "Audit log integrity alert" in mail.outbox[0].subject


def test_the_alert_is_raised_again_after_an_hour(world: World) -> None:
    truncate_to(4)
    failed_login()
    failed_login()
    assert Notice.objects.filter(kind="audit.alert").count() == 1
    AuditAlert.objects.update(raised_at=AuditAlert.objects.get().raised_at - timedelta(hours=2))
    failed_login()
    assert Notice.objects.filter(kind="audit.alert").count() == 2


def test_the_alert_is_in_the_auditors_language(world: World) -> None:
    world.auditor.language = "fr"
    world.auditor.save(update_fields=["language"])
    truncate_to(4)
    failed_login()
    notice = Notice.objects.get(kind="audit.alert")
    assert notice.text.startswith("Alerte d'intégrité du journal d'audit")


def test_an_intact_log_keeps_recording(world: World) -> None:
    before = last_seq()
    assert "Wrong e-mail address or password" in failed_login()
    assert last_seq() == before + 1
    assert audit_verify().ok
    assert not Notice.objects.filter(kind="audit.alert").exists()
