"""Prometheus metrics (``/metrics``, for staff networks or the metrics token).

Requests are counted by the request middleware (method, route pattern, status): in-process, or
across gunicorn's workers when ``PROMETHEUS_MULTIPROC_DIR`` is set (the gunicorn configuration
sets it). The background work's figures are read from the database at each scrape, so every
process sees the same: the task queue (depth, age of the oldest due task, failures), the
heartbeats, the usage ingestion (lag behind now, last success, interrupted runs) and the jobs by
state; and the figures other contexts register (``register_collector``: the factory's KPIs).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter("laif_http_requests", "HTTP requests answered",
                   ["method", "route", "status"])
DURATION = Histogram("laif_http_request_duration_seconds", "Time to answer a request",
                     ["method", "route"],
                     buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0))


def observe(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "OTHER"
    REQUESTS.labels(method, route, str(status)).inc()
    DURATION.labels(method, route).observe(seconds)


class PlatformCollector(Collector):
    """The background work, read from the database at each scrape."""

    def collect(self) -> Iterator[Metric]:
        from laif.jobs.selectors import job_counts_by_state
        from laif.ops import selectors

        queue = selectors.queue_status()
        depth = GaugeMetricFamily("laif_tasks", "Tasks in the queue by state", labels=["state"])
        depth.add_metric(["ready"], queue.ready)
        depth.add_metric(["delayed"], queue.delayed)
        depth.add_metric(["running"], queue.running)
        yield depth
        yield GaugeMetricFamily("laif_tasks_oldest_ready_age_seconds",
                                "How long the oldest due task has waited (0: none waits)",
                                value=queue.oldest_ready_age_s or 0.0)
        yield GaugeMetricFamily("laif_tasks_failed_24h", "Tasks that failed in the last 24 hours",
                                value=queue.failed_24h)
        rows, ages = selectors.beat_ages()
        beat = GaugeMetricFamily("laif_heartbeat_age_seconds", "Age of each heartbeat",
                                 labels=["name"])
        for name, age in sorted(ages.items()):
            beat.add_metric([name], age)
        yield beat
        scheduler = rows.get("scheduler")
        yield GaugeMetricFamily("laif_scheduler_up",
                                "1 if the job scheduler answered the last probe",
                                value=1.0 if scheduler is not None and scheduler.ok else 0.0)
        ingest = selectors.ingest_status()
        lag = GaugeMetricFamily("laif_usage_ingest_lag_seconds",
                                "Now minus the usage ingestion's checkpoint",
                                labels=["source"])
        for source, seconds in sorted(ingest.lag_s.items()):
            lag.add_metric([source], seconds)
        yield lag
        yield GaugeMetricFamily(
            "laif_usage_ingest_last_success_timestamp_seconds",
            "When the last usage ingestion finished well (0: never)",
            value=ingest.last_done_at.timestamp() if ingest.last_done_at else 0.0)
        yield GaugeMetricFamily("laif_usage_ingest_interrupted",
                                "Ingestion runs left running by a process that is gone",
                                value=ingest.interrupted)
        jobs = GaugeMetricFamily("laif_jobs", "Jobs by state", labels=["state"])
        for state, count in sorted(job_counts_by_state().items()):
            jobs.add_metric([state], count)
        yield jobs


def exposition() -> bytes:
    """The text exposition: the request metrics (of every gunicorn worker when multi-process)
    followed by the platform's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        requests = generate_latest(registry)
    else:
        requests = generate_latest(REGISTRY)
    platform = CollectorRegistry(auto_describe=False)
    platform.register(PlatformCollector())
    for collector in _COLLECTORS:
        platform.register(collector)
    return requests + generate_latest(platform)


_COLLECTORS: list[Collector] = []


def register_collector(collector: Collector) -> None:
    """Add a context's figures to ``/metrics`` (read at each scrape), from its ``AppConfig.ready``
    (the factory's KPIs: ``laif.reports``), so that ``ops`` imports none of the contexts above
    it."""
    if not any(type(c) is type(collector) for c in _COLLECTORS):
        _COLLECTORS.append(collector)
