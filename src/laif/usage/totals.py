"""The ledger's running totals (``UsageTotal``): kept by the writers, read by the pages.

A page that summed the month's entries did work in proportion to them (72 ms at 10 entries,
147 ms at 100,000 on the 2-core machine, every view). Instead, the few rows of ``UsageTotal``
(one per organisation, project, member, allocation, partition and month) are added to in SQL
by the transactions that write what they sum:

- ``totals_add(entries)``: the ingestion, after inserting new entries, in its transaction
  (``usage.bulk``: PostgreSQL in the same statement as the entries' ``INSERT``);
- ``totals_bill(statement_id)``: ``statement_issue``, after linking the billed entries.

Sums only ever grow by what was written next to them, so a committed state equals ``GROUP BY``
over the entries: ``totals_differences`` checks exactly that, ``totals_rebuild`` makes the rows
again from the entries (``manage.py usage_totals --check | --rebuild``). Entries stay the source
of truth; a statement's lines are computed from these sums and checked against the entries it
links before it commits (``statements._write``).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum

from laif.usage.models import UsageEntry, UsageTotal

KEY = ("organisation_id", "project_id", "user_id", "allocation_id", "partition", "month")
"""A row's key: the columns an entry and its total share."""
BILLABLE = ("entries", "gpu_seconds", "cpu_seconds", "energy_j", "energy_reported")
"""The sums a statement bills part of (each has a ``billed_`` twin)."""
SUMS = (*BILLABLE, "unreported_gpu_seconds", "unreported_cpu_seconds")
"""Every sum a row keeps: the billable ones, and the GPU- and CPU-seconds of the entries that
reported no energy (``green`` estimates their energy)."""
BILLED = tuple(f"billed_{name}" for name in BILLABLE)


def _q(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _table() -> str:
    return _q(UsageTotal._meta.db_table)


_CONFLICT = ", ".join([*(f"COALESCE({_c}, 0)" for _c in ("organisation_id", "project_id",
                                                         "user_id", "allocation_id")),
                       "partition", "month"])
"""The unique key ``usagetotal_key`` as ``ON CONFLICT`` names it."""


def upsert_sql(source: str) -> str:
    """``INSERT ... ON CONFLICT DO UPDATE`` that adds the entries of ``source`` (a table, CTE or
    parenthesised subquery with the entries' columns, aliased ``e``) to their totals. One row
    per key (GROUP BY), so a statement never updates a row twice; keys in order, so two writers
    lock shared rows in the same order."""
    key = ", ".join(f"e.{_q(c)}" for c in KEY)
    columns = ", ".join(_q(c) for c in (*KEY, *SUMS, *BILLED))
    added = ", ".join(f"{_q(c)} = {_table()}.{_q(c)} + excluded.{_q(c)}" for c in SUMS)
    return (
        f"INSERT INTO {_table()} ({columns}) "  # noqa: S608 - names from the model
        f"SELECT {key}, COUNT(*), SUM(e.gpu_seconds), SUM(e.cpu_seconds), "
        "COALESCE(SUM(e.energy_j), 0), COUNT(e.energy_j), "
        "COALESCE(SUM(CASE WHEN e.energy_j IS NULL THEN e.gpu_seconds ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN e.energy_j IS NULL THEN e.cpu_seconds ELSE 0 END), 0), "
        "0, 0, 0, 0, 0 "
        f"FROM {source} e WHERE 1 = 1 GROUP BY {key} ORDER BY {key} "
        f"ON CONFLICT ({_CONFLICT}) DO UPDATE SET {added}")


def totals_add(entries: QuerySet[UsageEntry]) -> None:
    """Add just-written entries to their totals, in the caller's transaction (the bulk paths of
    ``usage.bulk`` and whoever else writes entries)."""
    sql, params = entries.order_by().values(
        *KEY, "gpu_seconds", "cpu_seconds", "energy_j").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(upsert_sql(f"({sql})"), params)


def _key_filter(row: Any) -> dict[str, Any]:
    return {(f"{c}__isnull" if row[c] is None else c): (True if row[c] is None else row[c])
            for c in KEY}


def totals_bill(statement_id: int) -> None:
    """Move what a statement just billed (its linked entries) to the billed part of the totals,
    in ``statement_issue``'s transaction. One ``UPDATE`` per key the statement touched."""
    groups = (UsageEntry.objects.filter(billed__statement_id=statement_id).order_by()
              .values(*KEY)
              .annotate(n=Count("id"), gpu=Sum("gpu_seconds"), cpu=Sum("cpu_seconds"),
                        energy=Sum("energy_j"), reported=Count("energy_j"))
              .order_by(*KEY))
    for row in groups:
        updated = UsageTotal.objects.filter(**_key_filter(row)).update(
            billed_entries=F("billed_entries") + row["n"],
            billed_gpu_seconds=F("billed_gpu_seconds") + int(row["gpu"] or 0),
            billed_cpu_seconds=F("billed_cpu_seconds") + int(row["cpu"] or 0),
            billed_energy_j=F("billed_energy_j") + int(row["energy"] or 0),
            billed_energy_reported=F("billed_energy_reported") + row["reported"])
        if updated != 1:
            raise RuntimeError(f"usage totals miss the key {row}: run manage.py usage_totals "
                               "--rebuild")


_BILLED = Q(billed__isnull=False)
_UNREPORTED = Q(energy_j__isnull=True)


def _expected() -> dict[tuple[Any, ...], tuple[int, ...]]:
    """The totals as ``GROUP BY`` over the entries and their billing would make them."""
    rows = (UsageEntry.objects.order_by().values(*KEY)
            .annotate(n=Count("id"), gpu=Sum("gpu_seconds"), cpu=Sum("cpu_seconds"),
                      energy=Sum("energy_j"), reported=Count("energy_j"),
                      ugpu=Sum("gpu_seconds", filter=_UNREPORTED),
                      ucpu=Sum("cpu_seconds", filter=_UNREPORTED),
                      bn=Count("billed"), bgpu=Sum("gpu_seconds", filter=_BILLED),
                      bcpu=Sum("cpu_seconds", filter=_BILLED),
                      benergy=Sum("energy_j", filter=_BILLED),
                      breported=Count("energy_j", filter=_BILLED)))
    names = ("n", "gpu", "cpu", "energy", "reported", "ugpu", "ucpu", "bn", "bgpu", "bcpu",
             "benergy", "breported")
    return {tuple(row[c] for c in KEY): tuple(int(row[n] or 0) for n in names) for row in rows}


def _stored() -> dict[tuple[Any, ...], tuple[int, ...]]:
    return {tuple(row[:len(KEY)]): tuple(int(v) for v in row[len(KEY):])
            for row in UsageTotal.objects.values_list(*KEY, *SUMS, *BILLED)}


def totals_differences() -> list[str]:
    """Keys whose stored totals differ from the entries' (empty: the totals are right)."""
    expected, stored = _expected(), _stored()
    return [f"{key}: stored {stored.get(key)}, entries {expected.get(key)}"
            for key in sorted(set(expected) | set(stored), key=repr)
            if expected.get(key) != stored.get(key)]


def totals_rebuild() -> int:
    """Make every total again from the entries (in the caller's transaction); rows written."""
    UsageTotal.objects.all().delete()
    UsageTotal.objects.bulk_create([
        UsageTotal(**dict(zip(KEY, key, strict=True)),
                   **dict(zip((*SUMS, *BILLED), sums, strict=True)))
        for key, sums in _expected().items()], batch_size=2000)
    return UsageTotal.objects.count()
