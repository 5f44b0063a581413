"""The token a job gets from the platform to act for its project from inside the job (today: to
register the model it trained), never a person's token (ADR 0033).

``LAIF_JOB_TOKEN`` is in the job's environment: ``laifjob_`` and the job's and project's ids
signed with a key derived from ``SECRET_KEY`` (nothing stored). It is worth something only while
the job waits or runs and for ``AFTER_END`` after it ends, for that job's project only, and never
past ``MAX_AGE`` from the submission that carried it.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.utils import timezone

from laif.jobs.models import FINISHED_JOB_STATES, Job

PREFIX = "laifjob_"
_SALT = "laif.jobs.token"
MAX_AGE = timedelta(days=30)
AFTER_END = timedelta(minutes=30)  # the job's last lines still reach the platform


def job_token(*, job_id: int, project_id: int) -> str:
    signer = signing.TimestampSigner(salt=_SALT)
    return PREFIX + signer.sign_object({"j": job_id, "p": project_id}, compress=False)


def job_of_token(raw: str) -> Job | None:
    """The job whose token ``raw`` is, while the token is worth something; None otherwise."""
    if not raw.startswith(PREFIX) or len(raw) > 300:
        return None
    try:
        claims = signing.TimestampSigner(salt=_SALT).unsign_object(
            raw[len(PREFIX):], max_age=MAX_AGE)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("j"), int):
        return None
    job = Job.objects.select_related("submitted_by").filter(pk=claims["j"]).first()
    if job is None or job.project_id != claims.get("p"):
        return None
    if job.state in FINISHED_JOB_STATES and (
            job.ended_at is None or timezone.now() - job.ended_at > AFTER_END):
        return None
    return job
