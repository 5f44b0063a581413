"""Why a job waits, in plain words (no database; the texts are marked for translation).

Slurm's pending reasons (``squeue``'s ``state_reason``) are codes; people see a sentence. Unknown
codes are shown as they are, after a general sentence."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PLAIN: dict[str, Promise] = {
    "AssocGrpGRESMinutes": _("the project's GPU budget is spent"),
    "AssocGrpTRESMinutes": _("the project's GPU budget is spent"),
    "AssocGrpGRESRunMinutes": _("the project's running jobs already use the rest of its GPU "
                                "budget"),
    "QOSGrpGRESMinutes": _("the project's GPU budget is spent"),
    "Priority": _("other jobs with a higher priority are ahead of it"),
    "Resources": _("it waits for enough free GPUs"),
    "Dependency": _("it waits for another job to finish"),
    "DependencyNeverSatisfied": _("it depends on a job that failed; it will never start"),
    "BeginTime": _("its start time has not come yet"),
    "JobHeldUser": _("it is held by its owner"),
    "JobHeldAdmin": _("it is held by the operators"),
    "ReqNodeNotAvail": _("the nodes it needs are not available (maintenance or failure)"),
    "PartitionDown": _("its partition is down"),
    "PartitionInactive": _("its partition is not accepting jobs"),
    "PartitionTimeLimit": _("its time limit is longer than its partition allows"),
    "AssocGrpGRES": _("the project already uses as many GPUs as it may at once"),
    "AssocMaxJobsLimit": _("the project already runs as many jobs as it may at once"),
    "QOSMaxJobsPerUserLimit": _("you already run as many jobs as you may at once"),
    "Reservation": _("it waits for its reservation to start"),
    "NodeDown": _("a node it needs is down"),
    "launch failed requeued held": _("its start failed; it is held until an operator looks"),
}


def plain_reason(code: str) -> str:
    """The sentence for a scheduler reason code; empty for no reason."""
    code = code.strip()
    if not code or code == "None":
        return ""
    text = PLAIN.get(code)
    if text is not None:
        return str(text)
    return str(_("waiting (%(code)s)")) % {"code": code}
