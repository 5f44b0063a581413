"""``manage.py train_catalogue_sync``: add the catalogue's courses (catalogue/train.json) the
platform does not have yet; courses trainers edited stay as they are. Safe to run again (the
deploy runs it after migrating)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from laif.train.services import courses_sync_from_catalogue


class Command(BaseCommand):
    help = "Add the training catalogue's new courses (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        made = courses_sync_from_catalogue()
        self.stdout.write(f"{len(made)} course(s) added")
