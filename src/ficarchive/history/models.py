"""Reading history: which works a reader opened, when, and the last chapter they read."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ficarchive.works.models import Chapter, Work


class Reading(models.Model):
    """A reader's record of one work, updated on every visit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="readings"
    )
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="readings")
    last_chapter = models.ForeignKey(
        Chapter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_read_at = models.DateTimeField()
    visits = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "work"], name="reading_unique"),
        ]
        indexes = [models.Index(fields=["user", "-last_read_at"], name="reading_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.work_id}"


class HistorySettings(models.Model):
    """Per-user history settings: while `paused`, nothing new is recorded."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="history_settings"
    )
    paused = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "history settings"

    def __str__(self) -> str:
        return f"{self.user_id}: {'paused' if self.paused else 'recording'}"
