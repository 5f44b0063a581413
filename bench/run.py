"""Benchmarks of the platform core. One command, baseline in the same run, ratio printed:

    .venv/bin/python bench/run.py [--identities 5000] [--audit 5000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/laif .venv/bin/python bench/run.py

Runs in a throw-away test database (created and destroyed here). Measures:
- identities export (the provisioning feed): the selector vs a straightforward per-identity ORM
  loop (N+1 queries) over the same data; both outputs must be equal;
- audit log: append rate through ``audit_record`` (each append locks the sealed head) and the
  verification rate of ``audit_verify`` vs a per-entry lookup walk.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laif.config.settings")
os.environ.setdefault("LAIF_ENV", "test")
os.environ.setdefault("LAIF_AUDIT_ANCHOR_FILE",
                      str(Path(tempfile.mkdtemp(prefix="laif-bench-")) / "audit-anchors.log"))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from laif.accounts import audit_chain  # noqa: E402
from laif.accounts.access import Access  # noqa: E402
from laif.accounts.audit import SYSTEM, Actor, audit_record, audit_verify  # noqa: E402
from laif.accounts.models import (  # noqa: E402
    AuditEntry,
    ClusterIdentity,
    Organisation,
    Project,
    ProjectMembership,
    SshKey,
    User,
)
from laif.accounts.selectors import identities_export  # noqa: E402

T = TypeVar("T")


def _populate(n: int) -> None:
    org = Organisation.objects.create(name="Bench", sector="other", kind="company",
                                      sme_class="small")
    project = Project.objects.create(organisation=org, name="bench", code="bench")
    users = User.objects.bulk_create(
        [User(email=f"u{i}@bench.lu", first_name="U", last_name=f"N{i}") for i in range(n)],
        batch_size=2000,
    )
    ClusterIdentity.objects.bulk_create(
        [ClusterIdentity(user=u, username=f"u{i:06d}", uid=300_000 + i) for i, u in enumerate(users)],
        batch_size=2000,
    )
    ProjectMembership.objects.bulk_create(
        [ProjectMembership(project=project, user=u, role="member") for u in users], batch_size=2000
    )
    SshKey.objects.bulk_create(
        [SshKey(user=u, title="k", key_type="ssh-ed25519", bits=256,
                public_key=f"ssh-ed25519 AAAA{i:08d}{j}", fingerprint=f"SHA256:{i}-{j}")
         for i, u in enumerate(users) for j in range(2)],
        batch_size=2000,
    )


def _naive_export() -> list[tuple[str, int, list[str], list[str]]]:
    out = []
    for ident in ClusterIdentity.objects.order_by("uid"):
        user = User.objects.get(pk=ident.user_id)
        keys = [k.public_key for k in SshKey.objects.filter(user=user).order_by("created_at")]
        projects = sorted(pm.project.code for pm in ProjectMembership.objects.filter(user=user))
        out.append((ident.username, ident.uid, projects, keys))
    return out


def _naive_verify() -> bool:
    keys = audit_chain.derive_keys(settings.LAIF_AUDIT_KEY)
    prev = audit_chain.GENESIS
    count = AuditEntry.objects.count()
    for seq in range(1, count + 1):
        e = AuditEntry.objects.get(seq=seq)
        content = {"at": e.at.isoformat(), "actor": e.actor_ref, "actor_label": e.actor_label,
                   "action": e.action, "organisation": e.organisation_id_ref, "target": e.target,
                   "ip": e.ip, "detail": e.detail}
        if e.prev_hash != prev or audit_chain.entry_hash(keys, seq, content, prev) != e.hash:
            return False
        prev = e.hash
    return True


def _timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--identities", type=int, default=5000)
    parser.add_argument("--audit", type=int, default=5000)
    args = parser.parse_args()
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"database: {connection.vendor}")
        _populate(args.identities)
        operator = Access(user_id=None, staff_roles=frozenset({"operator"}))
        fast, t_fast = _timed(lambda: identities_export(access=operator, actor=SYSTEM))
        naive, t_naive = _timed(_naive_export)
        assert [(r.username, r.uid, r.projects, r.ssh_keys) for r in fast] == naive
        print(f"identities export, {args.identities} identities x 2 keys: "
              f"{t_fast * 1000:.0f} ms ({args.identities / t_fast:,.0f}/s); "
              f"per-identity ORM loop {t_naive * 1000:.0f} ms; ratio {t_naive / t_fast:.1f}x")

        actor = Actor(1, "bench@bench.lu", "127.0.0.1")

        def append() -> None:
            for i in range(args.audit):
                with transaction.atomic():
                    audit_record(actor=actor, action="bench.event", target=f"t:{i}",
                                 detail={"i": i})

        _, t_append = _timed(append)
        result, t_verify = _timed(audit_verify)
        assert result.ok, result.problems
        ok, t_naive_verify = _timed(_naive_verify)
        assert ok
        total = result.entries
        print(f"audit append: {args.audit} entries in {t_append:.2f} s "
              f"({args.audit / t_append:,.0f} entries/s, one transaction each)")
        print(f"audit verify: {total} entries in {t_verify * 1000:.0f} ms "
              f"({total / t_verify:,.0f} entries/s); per-entry lookup walk "
              f"{t_naive_verify * 1000:.0f} ms; ratio {t_naive_verify / t_verify:.1f}x")
    finally:
        creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
