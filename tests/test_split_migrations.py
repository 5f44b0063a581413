"""The apps split out of ``compute`` (ADR 0020) keep every row of a database filled by the code
before the split.

``fixtures/old_data/demo-before-split.json`` is that database: ``laif demo`` plus
``enrich.py.txt`` (a job, a Slurm account, an approved top-up, an end notice, an ingestion
checkpoint, a credit note, a cashback claim, a heartbeat) on commit 7491bb6, dumped with
``manage.py dumpdata accounts compute fund ops``. The test takes the database back to the
migrations of that commit, writes the rows with the models of that time (as ``loaddata`` does:
raw, every value as stored), migrates forward to today and reads every row back through today's
models: same primary keys, same values, nothing more and nothing less in any table.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as current_apps
from django.core import serializers
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from laif.usage import totals as ledger_totals

FIXTURE = Path(__file__).parent / "fixtures" / "old_data" / "demo-before-split.json"

BEFORE_SPLIT = {
    "accounts": "0006_audit_key_the_chain",
    "compute": "0013_load_usage_totals",
    "fund": "0002_claim_refused",
    "ops": "0001_beats",
}
"""The newest migration of each app on the commit that made the fixture."""

SPLIT_APPS = ("allocations", "billing", "cluster", "jobs", "usage")
"""Apps that did not exist then (migrated to zero first)."""

MOVED = {
    "compute.statement": "billing.statement",
    "compute.statementline": "billing.statementline",
    "compute.billedentry": "billing.billedentry",
    "compute.creditnote": "billing.creditnote",
    "compute.creditnoteline": "billing.creditnoteline",
    "compute.installation": "cluster.installation",
    "compute.slurmaccount": "cluster.slurmaccount",
    **{f"compute.{name}": f"allocations.{name}" for name in (
        "allocationperiod", "pool", "allocationrequest", "reviewevent", "allocation",
        "allocationchange", "allocationnotice")},
    **{f"compute.{name}": f"usage.{name}" for name in (
        "ingestrun", "ingestcheckpoint", "usagerecord", "usageentry", "usagetotal")},
    "compute.job": "jobs.job",
}
"""Old model label -> today's."""

OUR_APPS = ("accounts", "compute", "fund", "ops", *SPLIT_APPS)


def _old_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(FIXTURE.read_text())
    return rows


def _write_old(state_apps: Any, rows: list[dict[str, Any]]) -> None:
    """The rows through the historical models, as ``loaddata`` writes them (``raw``: no
    ``auto_now``, no signals' logic)."""
    with transaction.atomic():
        for table in {state_apps.get_model(r["model"])._meta.db_table for r in rows}:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        for row in rows:
            model = state_apps.get_model(row["model"])
            values: dict[str, Any] = {model._meta.pk.attname: row["pk"]}
            m2m: list[tuple[str, Any]] = []
            for name, value in row["fields"].items():
                field = model._meta.get_field(name)
                if field.many_to_many:
                    m2m.append((name, value))
                elif field.is_relation:
                    values[field.attname] = value
                else:
                    values[field.attname] = field.to_python(value)
            obj = model(**values)
            obj.save_base(raw=True, force_insert=True)
            for name, value in m2m:
                if value:
                    getattr(obj, name).set(value)


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    reached = [(app, name) for app, name in targets if name is not None]
    return executor.loader.project_state(reached).apps


def _today_rows(labels: set[str]) -> dict[tuple[str, Any], dict[str, Any]]:
    found: dict[tuple[str, Any], dict[str, Any]] = {}
    for label in labels:
        model = current_apps.get_model(label)
        for row in json.loads(serializers.serialize("json", model._base_manager.order_by("pk"))):
            found[(row["model"], row["pk"])] = row["fields"]
    return found


COMPUTED = {"unreported_gpu_seconds", "unreported_cpu_seconds"}
"""Fields a later migration filled from other rows, not with a default."""


@pytest.mark.django_db(transaction=True)
def test_every_row_of_the_old_demo_database_is_read_back_after_the_split() -> None:
    rows = _old_rows()
    assert MOVED.keys() <= {r["model"] for r in rows}, "the fixture has a row of every moved model"
    old_targets = [*BEFORE_SPLIT.items(), *((app, None) for app in SPLIT_APPS)]
    try:
        old_apps = _migrate(old_targets)
        with pytest.raises(LookupError):
            old_apps.get_model("billing", "Statement")  # really the state before the split
        _write_old(old_apps, rows)
    finally:
        executor = MigrationExecutor(connection)
        _migrate(executor.loader.graph.leaf_nodes())

    expected = {(MOVED.get(r["model"], r["model"]), r["pk"]): r["fields"] for r in rows}
    labels = {label for label, _ in expected}
    found = _today_rows(labels)
    missing = sorted(set(expected) - set(found), key=repr)
    assert not missing, f"rows lost by the migration: {missing[:10]}"
    # a field added by a later migration (after the fixture was written) holds its empty default
    added = {(key, name): value for key in expected for name, value in found[key].items()
             if name not in expected[key] and name not in COMPUTED}
    assert all(value in ("", None, False, 0, [], {}) for value in added.values()), added
    # ... but for sums a later migration computed from the rows (usage 0002: the seconds of the
    # entries that reported no energy), which must equal what the entries give
    assert ledger_totals.totals_differences() == []
    changed = [key for key in expected
               if {name: found[key][name] for name in expected[key]} != expected[key]]
    assert not changed, (f"rows changed by the migration: {changed[:5]}, e.g. "
                         f"{expected[changed[0]] if changed else ''} -> "
                         f"{found[changed[0]] if changed else ''}")
    # nothing more than the old rows in any table of our apps (the new apps' tables are the old)
    per_model = Counter(label for label, _ in expected)
    tables: dict[str, int] = defaultdict(int)
    for app in OUR_APPS:
        for model in current_apps.get_app_config(app).get_models():
            tables[model._meta.label_lower] = model._base_manager.count()
    assert {k: v for k, v in tables.items() if v} == dict(per_model)
    # the moved models answer through their new app, joins across the old tables included
    statement = current_apps.get_model("billing", "Statement").objects.get()
    assert statement.billed.count() == per_model["billing.billedentry"]
    billed = statement.billed.select_related("entry__record__run").first()
    assert billed is not None
    assert billed.entry.record.run is not None  # billing's rows reach usage's
    assert statement.cashback_claim.statement_id == statement.pk
    assert statement.credit_notes.get().lines.count() == per_model["billing.creditnoteline"]
    allocation = current_apps.get_model("allocations", "Allocation").objects.get()
    assert allocation.jobs.count() == per_model["jobs.job"]
    assert allocation.changes.count() == per_model["allocations.allocationchange"]
    assert allocation.request is not None
    assert allocation.request.events.count() > 0
