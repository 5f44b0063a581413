"""Demo data of the AI Factories network: Tom's request (a visitor of the entry demo) referred to
LUMI for AMD GPUs and sent, and a robotics start-up referred to us by AI Factory France,
accepted and waiting to become a local request; idempotent, refused in production as every
demo loader."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from laif.accounts import demo as accounts_demo
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.selectors import user_by_email
from laif.entry import selectors as entry_selectors
from laif.network import services
from laif.network.models import Referral


def network_demo_load() -> None:
    if settings.PRODUCTION:
        raise RuntimeError("demo data is refused in production (LAIF_ENV=production)")
    if Referral.objects.exists():
        return
    operator = user_by_email(accounts_demo.OPERATOR)
    access, actor = access_for(operator), Actor.of(operator)
    with transaction.atomic():
        tom = next((i for i in entry_selectors.inbox(access=access)
                    if i.email == "tom@kiosk-analytics.lu"), None)
        if tom is not None:
            out = services.referral_create_outgoing(
                access=access, actor=actor, intake_id=tom.pk, factory="lumi_aif", capabilities=["amd_gpu"],
                note="Their forecasting code is written for ROCm.")
            services.referral_status(access=access, actor=actor, referral_id=out.pk, status="sent",
                                     note="Sent to LUMI AI Factory's helpdesk.")
        came = services.referral_register_incoming(
            access=access, actor=actor, factory="ai2f", capabilities=["nvidia_gpu"],
            organisation_name="Lyon Robotics SAS", contact_name="Claire Martin",
            email="claire@lyon-robotics.example",
            need="Fine-tune a vision-language model for warehouse robots on NVIDIA GPUs.",
            sector="manufacturing", data_kinds=["images"], timeline="3_months",
            reference="AI2F-2026-118", language="fr")
        services.referral_status(access=access, actor=actor, referral_id=came.pk, status="accepted",
                                 note="MeluXina-AI has the GPUs; Alice Recoque is not ready yet.")
