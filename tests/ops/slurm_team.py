"""``python -m tests.ops.slurm_team``: in the database named by the environment, a project with a
lead who has a Unix user for their cluster identity and 10 GPU-hours granted today, as the real
processes of a test will see it; prints its id, the lead's login and the Slurm account as JSON.
Names and uids are random, so that tests running at the same time on the shared Slurm test
cluster never meet."""

from __future__ import annotations

import json
import os
import random

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laif.config.settings")
    django.setup()
    from django.utils import timezone

    from laif.accounts.models import ClusterIdentity, UidCounter
    from laif.jobs.accounts_sync import slurm_account_name
    from tests.compute.jobs_support import grant
    from tests.factories import PASSWORD, add_member, create_project, sign_up
    from tests.slurm_support import ensure_unix_user

    UidCounter.objects.update_or_create(pk=1, defaults={
        "next_uid": random.randint(300_000, 900_000)})
    org, _admin = sign_up()
    lead = add_member(org, first_name="Ren", last_name="Run")
    project = create_project(org, f"run {random.randint(0, 10**9)}", lead=lead)
    identity = ClusterIdentity.objects.get(user=lead)
    ensure_unix_user(identity.username, identity.uid)
    grant(project, lead, 10, today=timezone.localdate())
    print(json.dumps({"project_id": project.pk, "email": lead.email, "password": PASSWORD,
                      "account": slurm_account_name(project)}))


if __name__ == "__main__":
    main()
