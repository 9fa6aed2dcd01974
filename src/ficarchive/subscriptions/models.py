"""Subscriptions: a user follows a work, a series or a creator, and hears of new chapters and
works through notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ficarchive.series.models import Series
from ficarchive.works.models import Work


class Subscription(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    # Exactly one target (a check constraint says so).
    work = models.ForeignKey(
        Work, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscribers",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(work__isnull=False, series__isnull=True, creator__isnull=True)
                    | Q(work__isnull=True, series__isnull=False, creator__isnull=True)
                    | Q(work__isnull=True, series__isnull=True, creator__isnull=False)
                ),
                name="subscription_one_target",
            ),
            models.CheckConstraint(
                condition=Q(creator__isnull=True) | ~Q(creator=F("user")),
                name="subscription_not_self",
            ),
            models.UniqueConstraint(
                fields=["user", "work"],
                condition=Q(work__isnull=False),
                name="subscription_work_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "series"],
                condition=Q(series__isnull=False),
                name="subscription_series_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "creator"],
                condition=Q(creator__isnull=False),
                name="subscription_creator_unique",
            ),
        ]
        # The fan-out looks subscribers up by target.
        indexes = [
            models.Index(fields=["work"], name="subscription_work_idx"),
            models.Index(fields=["series"], name="subscription_series_idx"),
            models.Index(fields=["creator"], name="subscription_creator_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.work_id is not None:
            return f"work {self.work_id}"
        if self.series_id is not None:
            return f"series {self.series_id}"
        return f"creator {self.creator_id}"
