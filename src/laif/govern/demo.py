"""Demo data of the AI system register: the demo company's visual inspection system (minimal
risk, its camera features watched for drift: one drifted batch) and a CV-screening assistant it
deploys (high-risk, Annex III point 4), with an obligation under way (idempotent; refused in
production, as every demo loader)."""

from __future__ import annotations

import io

import numpy as np
import polars as pl
from django.conf import settings

from laif.accounts import demo as accounts_demo
from laif.accounts.access import Access, access_for
from laif.accounts.audit import Actor
from laif.accounts.selectors import user_by_email
from laif.govern import monitoring, services
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
    _drift_demo(access, actor, vision.pk)
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


def _frames(rows: int, seed: int, *, darker: bool = False) -> io.BytesIO:
    """Image features of painted parts from the line cameras; ``darker``: the lighting of line
    2 changed (brightness down, contrast up, line 2 over-represented)."""
    rng = np.random.default_rng(seed)
    frame = pl.DataFrame({
        "brightness": rng.normal(0.52 if darker else 0.61, 0.05, rows),
        "contrast": rng.normal(0.38 if darker else 0.31, 0.04, rows),
        "defect_area_mm2": rng.gamma(2.0, 1.5, rows),
        "line": rng.choice(["line-1", "line-2", "line-3"], rows,
                           p=[0.2, 0.6, 0.2] if darker else [1 / 3, 1 / 3, 1 / 3]),
        "shift": rng.choice(["early", "late", "night"], rows),
    })
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    buffer.seek(0)
    return buffer


def _drift_demo(access: Access, actor: Actor, system_id: int) -> None:
    """A monitor of the vision system's inputs: October's batch as expected, November's after
    the lighting of line 2 changed (a drift event)."""
    monitor = monitoring.drift_monitor_create(
        access=access, actor=actor, system_id=system_id, name="Camera image features",
        src=_frames(5_000, 1), filename="validation-2026-09.parquet")
    monitoring.drift_batch_submit(access=access, actor=actor, monitor_id=monitor.pk,
                                  src=_frames(3_000, 2), filename="2026-10.parquet")
    monitoring.drift_batch_submit(access=access, actor=actor, monitor_id=monitor.pk,
                                  src=_frames(3_000, 3, darker=True), filename="2026-11.parquet")
