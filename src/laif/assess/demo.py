"""Demo data of the AI maturity check: the demo company took the check twice, half a year apart,
so its page shows the progress, and has a roadmap with one use case (idempotent; refused in
production, as every demo loader)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from laif.accounts import demo as accounts_demo
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.selectors import user_by_email
from laif.assess import services
from laif.assess.models import Assessment
from laif.catalogue.assess import load_questionnaire


def _answers(points: int, **chosen: str) -> dict[str, str]:
    return {**load_questionnaire().answers_worth(points), **chosen}


def assess_demo_load() -> None:
    """Two checks of the demo company (``accounts.demo.demo_load`` first)."""
    if settings.PRODUCTION:
        raise RuntimeError("demo data is refused in production (LAIF_ENV=production)")
    org_id = accounts_demo.demo_project().organisation_id
    if Assessment.objects.filter(organisation_id=org_id).exists():
        return
    admin = user_by_email(accounts_demo.ORG_ADMIN)
    first = services.assessment_submit(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=org_id,
        answers=_answers(1, compute="gpus", adoption_operations="pilot"))
    Assessment.objects.filter(pk=first.pk).update(
        taken_at=timezone.now() - timedelta(days=182))
    services.assessment_submit(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=org_id,
        answers=_answers(2, compute="hpc", data_access="platform",
                         adoption_operations="production", ai_act="assessed"))
    services.use_case_save(
        access=access_for(admin), actor=Actor.of(admin), organisation_id=org_id, use_case_id=None,
        data=services.UseCaseData(
            title="Computer vision for quality control on line 3",
            objective="Catch scratches and dents before parts leave the plant.",
            kpi="Parts rejected at the customer (2% today)", roi_percent=15, horizon_months=12,
            gpu_hours=800))
