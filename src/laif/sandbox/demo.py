"""Demo data of the data sandboxes: the demo project's customer table (synthetic: valid
matricules, IBANs, e-mails and phone numbers of nobody), uploaded by its lead, its
classification confirmed, the proposed policy saved and released once (the rows of groups
smaller than k left out); idempotent, refused in production as every demo loader."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

import polars as pl
from django.conf import settings
from stdnum import iban, luhn, verhoeff

from laif.accounts import demo as accounts_demo
from laif.accounts.access import access_for
from laif.accounts.audit import Actor
from laif.accounts.selectors import user_by_email
from laif.sandbox import releases, services
from laif.sandbox.models import Dataset

ROWS = 3000
FIRST = ["marie", "luc", "anne", "jean", "sophie", "paul", "laura", "marc", "julie", "tom"]
LAST = ["weber", "schmit", "muller", "hoffmann", "wagner", "klein", "reuter", "kremer"]


def demo_table(rows: int = ROWS, seed: int = 2026) -> pl.DataFrame:
    rnd = random.Random(seed)  # noqa: S311 - synthetic demo values, not secrets
    born = [date(1950, 1, 1) + timedelta(days=rnd.randrange(0, 18_000)) for _ in range(rows)]
    heads = [f"{b:%Y%m%d}{rnd.randrange(1000):03d}" for b in born]
    bbans = [f"001{rnd.randrange(10**13):013d}" for _ in range(rows)]
    return pl.DataFrame({
        "customer": [f"C{i:06d}" for i in range(rows)],
        "matricule": [h + luhn.calc_check_digit(h) + verhoeff.calc_check_digit(h) for h in heads],
        "iban": [f"LU{iban.calc_check_digits('LU00' + b)}{b}" for b in bbans],
        "email": [f"{FIRST[i % 10]}.{LAST[i % 8]}{i}@example.lu" for i in range(rows)],
        "phone": [f"+352 621 {rnd.randrange(10**6):06d}" for _ in range(rows)],
        "birth_date": [b.isoformat() for b in born],
        "postcode": [f"L-{rnd.randrange(1000, 10_000)}" for _ in range(rows)],
        "machines_bought": [str(rnd.randrange(1, 40)) for _ in range(rows)],
        "warranty_claims": [str(rnd.randrange(0, 6)) for _ in range(rows)],
        "segment": [rnd.choice(["workshop", "factory", "distributor"]) for _ in range(rows)],
    })


def sandbox_demo_load() -> None:
    """The demo dataset and its first release (``accounts.demo.demo_load`` first)."""
    if settings.PRODUCTION:
        raise RuntimeError("demo data is refused in production (LAIF_ENV=production)")
    project = accounts_demo.demo_project()
    if Dataset.objects.filter(project=project).exists():
        return
    lead = user_by_email("lead@acme.lu")
    access, actor = access_for(lead), Actor.of(lead)
    upload = io.BytesIO(demo_table().write_csv(separator=";").encode())
    version = services.dataset_upload(access=access, actor=actor, project_id=project.pk,
                                      name="customers", src=upload,
                                      filename="customers.csv").version
    services.classification_review(access=access, actor=actor, version_id=version.pk, kinds={})
    releases.policy_set(access=access, actor=actor, version_id=version.pk,
                        rows=releases.policy_proposed(version))
    releases.release_create(access=access, actor=actor, version_id=version.pk, suppress=True)
