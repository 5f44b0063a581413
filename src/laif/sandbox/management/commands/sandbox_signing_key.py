"""``manage.py sandbox_signing_key create | show``: the Ed25519 key that signs release records
(LAIF_SIGNING_KEY_FILE, mode 0600, never overwritten); ``show`` prints its id and public key."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from laif.sandbox import signing


class Command(BaseCommand):
    help = "Create or show the key that signs the sandboxes' release records."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=("create", "show"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.LAIF_SIGNING_KEY_FILE)
        try:
            if options["action"] == "create":
                if path.exists():
                    raise CommandError(f"{path} exists: it is never overwritten")
                signing.create(path)
            self.stdout.write(f"{signing.key_id()}\n{signing.public_pem()}")
        except signing.SigningKeyError as exc:
            raise CommandError(exc.detail) from exc
        except OSError as exc:
            raise CommandError(str(exc)) from exc
