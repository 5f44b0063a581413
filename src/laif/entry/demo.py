"""Demo data of the single point of entry: three requests in the staff inbox (one from the demo
company's lead, two from visitors without an account, one of them past its response target),
idempotent; refused in production, as every demo loader."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from laif.accounts.selectors import user_by_email
from laif.entry import services
from laif.entry.models import Intake
from laif.entry.triage import Need

VISITORS = [
    ("Marie Schmit", "marie@moselle-parts.lu", "Moselle Parts", "fr",
     Need("use_case", "manufacturing", frozenset({"images"}), "10k_50k", "12_months"),
     "Spot scratches on painted parts of line 3: 2% are rejected at the customer."),
    ("Tom Weber", "tom@kiosk-analytics.lu", "", "en",
     Need("explore", "retail", frozenset({"tabular"}), "unknown", "exploring"),
     "We run six shops and wonder what AI could do with our sales records."),
]


def entry_demo_load() -> None:
    """The demo requests (``accounts.demo.demo_load`` first)."""
    if settings.PRODUCTION:
        raise RuntimeError("demo data is refused in production (LAIF_ENV=production)")
    if Intake.objects.exists():
        return
    lead = user_by_email("lead@acme.lu")
    services.intake_submit(
        user=lead, need=Need("train_model", "manufacturing", frozenset({"images", "sensor"}),
                             "50k_200k", "3_months"),
        contact=services.Contact(name=lead.get_full_name(), email=lead.email,
                                 organisation="Acme Vision", language="en"),
        description="Fine-tune a defect detector on 40,000 labelled images from line 3.")
    for name, email, organisation, language, need, text in VISITORS:
        done = services.intake_submit(
            user=None, need=need, description=text,
            contact=services.Contact(name=name, email=email, organisation=organisation,
                                     language=language))
        services.intake_verify(token=services.follow_token(done.intake))
    # the oldest visitor's request is past its target: the inbox shows it overdue
    Intake.objects.filter(email=VISITORS[1][1]).update(
        respond_by=timezone.now() - timedelta(hours=5))
