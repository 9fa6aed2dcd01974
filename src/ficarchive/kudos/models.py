"""Kudos: one per registered reader per work, one per guest browser and address per work.

Uniqueness is the database's job (two partial unique constraints), so two requests racing
each other still leave one row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ficarchive.works.models import Work


class Kudos(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="kudos")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="kudos_given",
    )
    # For guests: a keyed hash of the browser's guest cookie and the network address.
    guest_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "kudos"
        constraints = [
            models.UniqueConstraint(
                fields=["work", "user"], condition=Q(user__isnull=False), name="kudos_one_per_user"
            ),
            models.UniqueConstraint(
                fields=["work", "guest_key"],
                condition=Q(user__isnull=True),
                name="kudos_one_per_guest",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False, guest_key="")
                | (Q(user__isnull=True) & ~Q(guest_key="")),
                name="kudos_user_or_guest",
            ),
        ]
        indexes = [models.Index(fields=["work", "created_at"])]

    def __str__(self) -> str:
        return f"kudos on {self.work_id}"


class KudosDigestDay(models.Model):
    """A day whose kudos digest has been started (kudos/digest.py). The first run for a day
    inserts this row and, in the same transaction, queues the next day's run, so however often
    a day's task runs (a worker restarted, a duplicate enqueue) the daily chain stays one."""

    day = models.DateField(unique=True)
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"kudos digest of {self.day}"
