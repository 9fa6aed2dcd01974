"""Reports, sanctions, the moderators' log and the events rate limits count."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

DETAILS_MAX = 2000


class RateEvent(models.Model):
    """One rate-limited action (a comment, a posted work, ...), counted across processes."""

    action = models.CharField(max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address = models.CharField(max_length=64)
    # The API token that made the request, for the per-token API limits (no foreign key: an
    # event outlives nothing it counts, and a revoked token's events simply age out).
    token_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["action", "token_id", "created_at"],
                name="rate_event_token_idx",
                condition=models.Q(token_id__isnull=False),
            ),
            models.Index(fields=["action", "user", "created_at"], name="rate_event_user_idx"),
            models.Index(fields=["action", "address", "created_at"], name="rate_event_addr_idx"),
            models.Index(fields=["action", "created_at"], name="rate_event_prune_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} from {self.address}"


class TargetType(models.TextChoices):
    WORK = "work", "Work"
    COMMENT = "comment", "Comment"
    USER = "user", "User"


class Reason(models.TextChoices):
    SPAM = "spam", "Spam"
    HARASSMENT = "harassment", "Harassment"
    HATEFUL = "hateful", "Hateful content"
    UNTAGGED = "untagged", "Inappropriate content not tagged"
    COPYRIGHT = "copyright", "Copyright"
    OTHER = "other", "Other"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class Report(models.Model):
    """A report of a work, a comment or a user. The target is a type and an id rather than a
    foreign key, so a report outlives what it reports (a deleted work keeps its history)."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_made",
    )
    email = models.EmailField(blank=True, help_text="A guest's address, to answer them.")
    address = models.CharField(max_length=64, blank=True)
    target_type = models.CharField(max_length=10, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    target_label = models.CharField(
        max_length=300, blank=True, help_text="What the target was called when it was reported."
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    details = models.TextField(blank=True, max_length=DETAILS_MAX)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_handled",
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="report_queue_idx"),
            models.Index(fields=["target_type", "target_id"], name="report_target_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"],
                condition=Q(status="open"),
                name="one_open_report_per_reporter",
            ),
            models.CheckConstraint(
                condition=Q(target_type__in=["work", "comment", "user"]),
                name="report_target_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.target_type} {self.target_id}"


class SanctionKind(models.TextChoices):
    SUSPEND = "suspend", "Suspension"
    BAN = "ban", "Ban"


class SanctionQuerySet(models.QuerySet["Sanction"]):
    def active(self) -> SanctionQuerySet:
        """Return bans and suspensions that are in force now."""
        from django.utils import timezone

        return self.filter(lifted_at__isnull=True).filter(
            Q(kind=SanctionKind.BAN) | Q(until__gt=timezone.now())
        )


class Sanction(models.Model):
    """A suspension (until a date) or a ban (until lifted) of an account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(max_length=10, choices=SanctionKind.choices)
    until = models.DateTimeField(null=True, blank=True, help_text="End of a suspension.")
    reason = models.TextField(max_length=DETAILS_MAX)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="sanctions_given",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = SanctionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "lifted_at"], name="sanction_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="ban") | Q(until__isnull=False),
                name="suspension_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.user}"


class ModerationLog(models.Model):
    """One moderator action, written in the same transaction as the action itself."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=30)
    target = models.CharField(max_length=300, help_text="What was acted on, in words.")
    target_url = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True, max_length=DETAILS_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.target}"
