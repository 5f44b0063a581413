"""Demo data of the AI system register: the demo company's visual inspection system (minimal
risk) and a CV-screening assistant it deploys (high-risk, Annex III point 4), with two
obligations under way (idempotent; refused in production, as every demo loader)."""

from __future__ import annotations

from django.conf import settings

from laif.accounts import demo as accounts_demo
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.selectors import user_by_email
from laif.govern import services
from laif.govern.models import AiSystem


def govern_demo_load() -> None:
    """Two systems of the demo company (``accounts.demo.demo_load`` first)."""
    if settings.PRODUCTION:
        raise RuntimeError("demo data is refused in production (LAIF_ENV=production)")
    project = accounts_demo.demo_project()
    if AiSystem.objects.filter(organisation_id=project.organisation_id).exists():
        return
    admin = user_by_email(accounts_demo.ORG_ADMIN)
    access, actor = access_for(admin), Actor.of(admin)
    vision = services.ai_system_register(
        access=access, actor=actor, organisation_id=project.organisation_id,
        name="Surface defect detection", project_id=project.pk,
        purpose="Finds scratches and dents on painted parts from line cameras; an operator "
                "confirms each rejection.")
    services.ai_system_classify(access=access, actor=actor, system_id=vision.pk,
                                answers={"roles": ["provider", "deployer"]})
    hiring = services.ai_system_register(
        access=access, actor=actor, organisation_id=project.organisation_id,
        name="CV screening assistant",
        purpose="A bought-in tool that ranks applications for technician positions before HR "
                "reads them.")
    services.ai_system_classify(access=access, actor=actor, system_id=hiring.pk,
                                answers={"roles": ["deployer"], "areas": ["employment"],
                                         "profiling": True})
    services.obligation_update(access=access, actor=actor, system_id=hiring.pk,
                               key="deployer_use", status="in_progress",
                               evidence="Use instructions received from the vendor; HR "
                                        "oversight procedure in draft.")
