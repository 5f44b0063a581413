"""Demo data of Connect: a person of LIST's industrial AI team answers for it (log in as
expert@list.lu), Acme asked that team for an introduction (waiting for its answer) and was
introduced to LuxProvide's GPU support (accepted); idempotent, refused in production as every
demo loader."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from laif.accounts import demo as accounts_demo
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.selectors import active_user_by_email, organisations_for, user_by_email
from laif.connect import services
from laif.connect.models import ExpertContact, Introduction

EXPERT = "expert@list.lu"
NEED = ("Nous voulons détecter les défauts de surface sur notre ligne 3 par vision et "
        "prévoir les pannes des presses à partir des vibrations.")


def connect_demo_load() -> list[tuple[str, str, str]]:
    if settings.PRODUCTION:
        raise RuntimeError("demo data is refused in production (LAIF_ENV=production)")
    logins = [("expert (LIST)", EXPERT, accounts_demo.DEMO_PASSWORD)]
    if ExpertContact.objects.exists():
        return logins
    operator = user_by_email(accounts_demo.OPERATOR)
    staff = access_for(operator), Actor.of(operator)
    with transaction.atomic():
        expert = active_user_by_email(EXPERT) or accounts_demo.demo_user(EXPERT, "Nora", "Klein")
        services.expert_contact_add(access=staff[0], actor=staff[1],
                                    expert_key="list_industrial_ai", email=expert.email,
                                    phone="+352 275 888 1")
        gpu = accounts_demo.demo_user("gpu.support@luxprovide.lu", "Marc", "Weis")
        services.expert_contact_add(access=staff[0], actor=staff[1],
                                    expert_key="luxprovide_gpu_support", email=gpu.email)
        lead = user_by_email("lead@acme.lu")
        org = organisations_for(access_for(lead)).first()
        assert org is not None
        ask = access_for(lead), Actor.of(lead)
        services.introduction_request(access=ask[0], actor=ask[1], organisation_id=org.pk,
                                      expert_key="list_industrial_ai", need=NEED,
                                      sector="manufacturing",
                                      message="Nous avons 18 mois d'images annotées.")
        done = services.introduction_request(
            access=ask[0], actor=ask[1], organisation_id=org.pk,
            expert_key="luxprovide_gpu_support", sector="manufacturing",
            need="Our defect detector trains slowly on one GPU; we need help with "
                 "multi-GPU training and mixed precision on MeluXina-AI.")
        services.introduction_decide(access=access_for(gpu), actor=Actor.of(gpu),
                                     introduction_id=done.pk, accept=True,
                                     answer="Happy to help: let us start with a profile of "
                                            "one training job.")
    assert Introduction.objects.count() >= 2
    return logins
