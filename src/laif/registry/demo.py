"""Demo data of the model registry: the demo project's defect detector, two versions (the
first approved as champion and in production since two months, the second approved as
challenger, deployed, then rolled back after November's drift); idempotent, refused in
production as every demo loader."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from laif.accounts import demo as accounts_demo
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.selectors import user_by_email
from laif.registry import services
from laif.registry.models import RegisteredModel

NAME = "surface-defects"


def _model_zip(version: int) -> io.BytesIO:
    """An MLflow directory as ``mlflow.pytorch.save_model`` lays it out (the weights are
    stand-ins)."""
    out = io.BytesIO()
    mlmodel = {"artifact_path": "model", "mlflow_version": "2.17.2",
               "flavors": {"python_function": {"loader_module": "mlflow.pytorch",
                                               "data": "data", "python_version": "3.11.9"},
                           "pytorch": {"model_data": "data", "pytorch_version": "2.5.1"}}}
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("MLmodel", json.dumps(mlmodel))  # JSON is YAML too
        zf.writestr("data/model.pth", bytes(range(256)) * (64 * version))
        zf.writestr("requirements.txt", "torch==2.5.1\ntorchvision==0.20.1\n")
    out.seek(0)
    return out


def registry_demo_load() -> None:
    """The demo project's model (``accounts.demo.demo_load`` first)."""
    if settings.PRODUCTION:
        raise RuntimeError("demo data is refused in production (LAIF_ENV=production)")
    project = accounts_demo.demo_project()
    if RegisteredModel.objects.filter(project=project, name=NAME).exists():
        return
    lead, admin = user_by_email("lead@acme.lu"), user_by_email(accounts_demo.ORG_ADMIN)
    as_lead, as_admin = (access_for(lead), Actor.of(lead)), (access_for(admin), Actor.of(admin))
    versions = [services.model_version_register(
        access=as_lead[0], actor=as_lead[1], project_id=project.pk, name=NAME,
        src=_model_zip(n), filename="surface-defects.zip", code_ref=ref,
        params={"backbone": "resnet50", "epochs": epochs, "lr": 0.0003},
        metrics={"f1": f1, "recall": recall})
        for n, ref, epochs, f1, recall in ((1, "git:8f3c2a1", 30, 0.931, 0.948),
                                           (2, "git:c41d9e7", 45, 0.944, 0.957))]
    now = timezone.now()
    for version, alias in zip(versions, ("champion", "challenger"), strict=True):
        asked = services.alias_request(access=as_lead[0], actor=as_lead[1],
                                       version_id=version.pk, alias=alias,
                                       reason="Validated on the September hold-out set.")
        services.alias_decide(access=as_admin[0], actor=as_admin[1], request_id=asked.pk,
                              approve=True, note="Checked the hold-out report.")
    model = versions[0].model_id
    for version, env, days, note in ((versions[0], "production", 60, "First release."),
                                     (versions[1], "staging", 30, "Challenger on line 2."),
                                     (versions[1], "production", 25, "Better recall."),
                                     (versions[0], "production", 23,
                                      "Line 2 lighting changed: back to version 1.")):
        services.deployment_record(access=as_lead[0], actor=as_lead[1], model_id=model,
                                   environment=env, version_id=version.pk,
                                   target="inspection-edge-03" if env == "production" else "",
                                   effective_at=now - timedelta(days=days), note=note)
