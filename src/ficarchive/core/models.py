"""Operational records of the site's own processes (not archive content)."""

from __future__ import annotations

from django.db import models


class WorkerBeat(models.Model):
    """A running `ficarchive worker`, which writes `beat_at` every few seconds while it lives.

    Another worker that sees a stale beat takes the dead worker's running tasks back into the
    queue (core/management/commands/worker.py), and `/readyz` reports whether any worker is
    alive."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.worker_id
