"""Demo data of funding: aid the demo company received elsewhere (idempotent; refused in
production, as every demo loader)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone

from laif.accounts import demo as accounts_demo
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.selectors import user_by_email
from laif.fund import services
from laif.fund.models import AidRecord


def fund_demo_load() -> None:
    """Aid the demo company declared (``accounts.demo.demo_load`` first)."""
    if settings.PRODUCTION:
        raise RuntimeError("demo data is refused in production (LAIF_ENV=production)")
    org_id = accounts_demo.demo_project().organisation_id
    if AidRecord.objects.filter(organisation_id=org_id, claim__isnull=True).exists():
        return
    admin = user_by_email(accounts_demo.ORG_ADMIN)
    year = timezone.localdate().year - 1
    services.aid_declare(access=access_for(admin), actor=Actor.of(admin), organisation_id=org_id,
                         amount_cents=2_500_000, granted_on=date(year, 3, 12),
                         legal_basis="de_minimis",
                         source="Luxinnovation, Fit 4 Digital (demo reference FD-2025-041)")
