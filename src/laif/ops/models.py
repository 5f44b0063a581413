"""Heartbeats of the background work: the schedule process, the task worker, and whether the job
scheduler (Slurm, or the local runner) answered. One row per name, overwritten each time."""

from __future__ import annotations

from django.db import models


class Beat(models.Model):
    """The last sign of life of ``name`` (``worker``, ``scheduler``, ``schedule:<entry>``)."""

    name = models.CharField(max_length=64, primary_key=True)
    at = models.DateTimeField()
    ok = models.BooleanField(default=True)
    detail = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S} ({'ok' if self.ok else 'failing'})"
