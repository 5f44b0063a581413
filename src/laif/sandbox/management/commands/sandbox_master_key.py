"""``manage.py sandbox_master_key create | rotate``: the sandboxes' master key.

- ``create``: a new key file at LAIF_SANDBOX_KEY_FILE (mode 0600, never overwritten), or a new
  non-extractable AES key in the HSM named by the LAIF_SANDBOX_PKCS11_* settings.
- ``rotate --old-file PATH`` or ``rotate --old-pkcs11-key LABEL`` (same token): re-wrap every
  project's data key from the old master key to the one configured now. The data files are not
  re-encrypted. Run it after configuring the new key, before removing the old one.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from laif.sandbox import keys
from laif.sandbox.master_keys import (
    FileMasterKey,
    MasterKey,
    MasterKeyError,
    Pkcs11MasterKey,
)


class Command(BaseCommand):
    help = "Create or rotate the data sandboxes' master key."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=("create", "rotate"))
        parser.add_argument("--old-file", type=Path, help="the key file being replaced")
        parser.add_argument("--old-pkcs11-key", help="the label of the HSM key being replaced")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                self._create()
            else:
                self._rotate(options["old_file"], options["old_pkcs11_key"])
        except (MasterKeyError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        except keys.KeysUnavailable as exc:  # the configured key: its reason is in the log
            raise CommandError(exc.message) from exc

    def _create(self) -> None:
        if settings.LAIF_SANDBOX_MASTER_KEY == "pkcs11":
            key: MasterKey = Pkcs11MasterKey.generate(
                settings.LAIF_SANDBOX_PKCS11_LIB, settings.LAIF_SANDBOX_PKCS11_TOKEN,
                settings.LAIF_SANDBOX_PKCS11_PIN, settings.LAIF_SANDBOX_PKCS11_KEY)
        else:
            path = Path(settings.LAIF_SANDBOX_KEY_FILE)
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                key = FileMasterKey.create(path)
            except FileExistsError as exc:
                raise CommandError(f"{path} exists: it is never overwritten") from exc
        self.stdout.write(f"created master key {key.key_id}")

    def _rotate(self, old_file: Path | None, old_label: str | None) -> None:
        if (old_file is None) == (old_label is None):
            raise CommandError("name the old key: --old-file PATH or --old-pkcs11-key LABEL")
        old: MasterKey = (FileMasterKey(old_file) if old_file is not None else Pkcs11MasterKey(
            settings.LAIF_SANDBOX_PKCS11_LIB, settings.LAIF_SANDBOX_PKCS11_TOKEN,
            settings.LAIF_SANDBOX_PKCS11_PIN, str(old_label)))
        new = keys.master_key()
        if old.key_id == new.key_id:
            raise CommandError("the old key is the one configured now: configure the new key "
                               "first")
        count = keys.master_key_rotate(old=old, new=new)
        self.stdout.write(f"re-wrapped {count} data key(s) from {old.key_id} to {new.key_id}")
