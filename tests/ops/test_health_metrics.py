"""``/health`` for the load balancer (no login, no secret, 503 only when the node cannot serve)
and ``/metrics`` for staff networks or the metrics token."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import Settings

from laif.config.env import parse_networks
from laif.jobs.tasks import jobs_poll_task
from laif.ops.beats import SCHEDULE_PREFIX, SCHEDULER, WORKER, beat_record
from laif.ops.models import Beat

pytestmark = pytest.mark.django_db

OUTSIDE = "203.0.113.5"
TOKEN = "m" * 40


@pytest.fixture
def db_queue(settings: Settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}


def _all_beats_fresh() -> None:
    for name in (WORKER, SCHEDULER, SCHEDULE_PREFIX + "jobs_poll"):
        beat_record(name)


def _health(client: Client, **extra: str) -> tuple[int, dict[str, object]]:
    response = client.get("/health", **extra)  # type: ignore[arg-type]
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


def test_health_is_ok_without_login_for_any_host_and_names_no_secret(
        client: Client, settings: Settings) -> None:
    settings.ALLOWED_HOSTS = ["portal.example.lu"]
    settings.SECURE_SSL_REDIRECT = True
    _all_beats_fresh()
    # a balancer probes the node by its address, over plain HTTP
    code, body = _health(client, HTTP_HOST="10.1.2.3:8000", REMOTE_ADDR=OUTSIDE)
    assert code == 200, body
    assert body["status"] == "ok"
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert set(checks) == {"database", "disk", "worker", "schedule", "scheduler"}
    text = json.dumps(body)
    for secret in (settings.SECRET_KEY, str(settings.DATA_DIR), "sqlite", "postgres"):
        assert secret not in text


def test_stale_background_work_is_degraded_not_failing(client: Client) -> None:
    _all_beats_fresh()
    Beat.objects.filter(name=WORKER).update(at=timezone.now() - timedelta(hours=1))
    code, body = _health(client)
    assert (code, body["status"]) == (200, "degraded")
    assert body["checks"]["worker"] == {"ok": False, "age_s": 3600}  # type: ignore[index]
    code, _ = _health(client, QUERY_STRING="all=1")
    assert code == 503  # for a monitor that pages on the background work


def test_unreachable_scheduler_and_missing_heartbeats_are_reported(client: Client) -> None:
    code, body = _health(client)
    assert (code, body["status"]) == (200, "degraded")  # nothing has run yet
    beat_record(SCHEDULER, ok=False, detail="slurm: slurmctld not responding")
    _code, body = _health(client)
    assert body["checks"]["scheduler"]["ok"] is False  # type: ignore[index]
    assert "slurmctld" not in json.dumps(body)


def test_a_full_disk_fails_the_node(client: Client, settings: Settings) -> None:
    _all_beats_fresh()
    settings.LAIF_HEALTH_MIN_FREE_MB = 10**9
    code, body = _health(client)
    assert (code, body["status"]) == (503, "failing")
    assert body["checks"]["disk"]["ok"] is False  # type: ignore[index]


def test_metrics_answer_staff_networks_and_the_token_and_nobody_else(
        client: Client, settings: Settings) -> None:
    settings.LAIF_METRICS_TOKEN = TOKEN
    settings.LAIF_TRUSTED_PROXIES = parse_networks("127.0.0.1")  # a proxy on this host
    assert client.get("/metrics").status_code == 200  # the loopback is a staff network
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 404
    # claiming a staff address in X-Forwarded-For from outside does not help
    assert client.get("/metrics", REMOTE_ADDR=OUTSIDE,
                      HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 404
    # through the trusted proxy, the client's own address counts
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR=OUTSIDE).status_code == 404
    settings.LAIF_STAFF_NETWORKS = parse_networks("127.0.0.1, 203.0.113.0/24")
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR=OUTSIDE).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="198.51.100.1",
                      HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="198.51.100.1",
                      HTTP_AUTHORIZATION="Bearer wrong").status_code == 404


@pytest.mark.usefixtures("db_queue")
def test_metrics_show_the_queue_its_age_the_jobs_and_the_requests(client: Client) -> None:
    result = jobs_poll_task.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=10))
    beat_record(SCHEDULER, ok=False)
    client.get("/login/")
    text = client.get("/metrics").content.decode()
    assert 'laif_tasks{state="ready"} 1.0' in text
    age = next(line for line in text.splitlines()
               if line.startswith("laif_tasks_oldest_ready_age_seconds "))
    assert 590 < float(age.split()[1]) < 700
    assert "laif_scheduler_up 0.0" in text
    assert 'laif_http_requests_total{method="GET",route="/login/",status="200"}' in text
    assert "laif_usage_ingest_interrupted 0.0" in text
