"""Operational records of the site's own processes (not archive content)."""

from __future__ import annotations

from django.conf import settings
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


class FormSubmission(models.Model):
    """One sent posting form (a new work, a new chapter), named by the token the form carried:
    a second submit of the same form (a double click, a browser's resend after a timeout)
    finds it and leads to what the first one made instead of posting again. Written in the
    post's own transaction; kept for a day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    result_path = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "token"], name="form_submission_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.result_path}"
