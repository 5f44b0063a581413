"""``audit_anchor``: write the sealed head of the audit chain to the anchor file (ADR 0012).

Run every few minutes (``laif.accounts.tasks.audit_anchor_task``, ``manage.py audit_anchor``).
Before writing, the head is checked as an append checks it, and against the newest anchor: a log
that no longer holds the entry anchored last (rolled back or rewritten) is not anchored again but
raises the alert. Idempotent: a head already anchored is not written twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from laif.accounts.audit import (
    SYSTEM,
    audit_keys,
    audit_record,
    head_problem,
    head_schedule,
    locked_head,
    reseal,
)
from laif.accounts.audit_alert import audit_alert
from laif.accounts.audit_anchor_file import LastAnchor, anchor_file_append, anchor_file_last
from laif.accounts.audit_anchors import Anchor, anchor_line
from laif.accounts.models import AuditCheckpoint, AuditEntry


@dataclass(frozen=True)
class AnchorResult:
    """The head (seq, hash) checked; ``written`` when a new line was appended; ``problem`` when
    the log or the anchor file failed the check (nothing written, the alert raised)."""

    seq: int
    hash: str
    written: bool
    problem: str | None = None


def audit_anchor(*, start_new_file: bool = False) -> AnchorResult:
    """Anchor the sealed head. ``start_new_file``: the operator accepts that the anchor file is
    lost and starts a new one (recorded in the audit log); refused while the file exists."""
    path = Path(settings.LAIF_AUDIT_ANCHOR_FILE)
    keys = audit_keys()
    with transaction.atomic():
        head = locked_head()
        last = anchor_file_last(path, head_schedule().anchor_check)  # the key in force there
        problem = head_problem(head) or _against_file(head, last, start_new_file)
        written = False
        if problem is None:
            if start_new_file and not last.exists and head.anchored_seq:
                audit_record(actor=SYSTEM, action="audit.anchor_file_restarted",
                             detail={"anchored_seq": head.anchored_seq, "file": str(path)})
                head = locked_head()
            if head.seq and (last.anchor is None or last.anchor.seq < head.seq):
                at = timezone.now().replace(microsecond=0).isoformat()
                line = anchor_line(keys.anchor, Anchor(seq=head.seq, hash=head.hash, at=at))
                anchor_file_append(path, line, to_syslog=settings.LAIF_AUDIT_ANCHOR_SYSLOG)
                written = True
            already = last.anchor is not None and last.anchor.seq == head.seq
            if written or (already and head.anchored_seq != head.seq):
                head.anchored_seq = head.seq
                reseal(head)
                head.save(update_fields=["anchored_seq", "mac", "updated_at"])
    if problem is not None:
        audit_alert(reason=problem)
    return AnchorResult(seq=head.seq, hash=head.hash, written=written, problem=problem)


def _against_file(head: AuditCheckpoint, last: LastAnchor, start_new_file: bool) -> str | None:
    """Why the head must not be anchored, given the end of the anchor file; or None."""
    if not last.exists:
        if head.anchored_seq and not start_new_file:
            return (f"the anchor file is missing but the checkpoint records an anchor at entry "
                    f"#{head.anchored_seq} (anchor file deleted)")
        return None
    if last.damaged:
        return "the last line of the anchor file is malformed or its seal is invalid (edited)"
    anchor = last.anchor
    if anchor is None:  # an empty file
        if head.anchored_seq:
            return (f"the anchor file is empty but the checkpoint records an anchor at entry "
                    f"#{head.anchored_seq} (anchor file truncated)")
        return None
    if anchor.seq < head.anchored_seq:
        return (f"the anchor file ends at entry #{anchor.seq} but the checkpoint records an "
                f"anchor at entry #{head.anchored_seq} (anchor file truncated)")
    if anchor.seq > head.seq:
        return (f"the log's sealed head (#{head.seq}) is older than entry #{anchor.seq} anchored "
                f"at {anchor.at} (entries deleted, or the log rolled back)")
    kept = AuditEntry.objects.filter(seq=anchor.seq).values_list("hash", flat=True).first()
    if kept != anchor.hash:
        return (f"entry #{anchor.seq} differs from the one anchored at {anchor.at} "
                "(the log was rewritten or rolled back)")
    return None

