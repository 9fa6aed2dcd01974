"""In-site notifications (the inbox) and each user's email choices."""

from __future__ import annotations

from django.conf import settings
from django.db import models

MESSAGE_MAX = 1000
URL_MAX = 500
KEY_MAX = 200
KIND_MAX = 40


class Kind(models.TextChoices):
    """Kinds the site sends. Other apps may use their own kind names; a kind starting with
    "comment" counts as a reply for the email choice."""

    POSTED = "posted", "New work or chapter"
    COMMENT_REPLY = "comment-reply", "Reply to a comment"
    COMMENT = "comment", "Comment on your work"
    KUDOS_DIGEST = "kudos-digest", "Kudos on your works (daily)"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=KIND_MAX)
    # Plain text: templates escape it.
    message = models.TextField(max_length=MESSAGE_MAX)
    # A path on this site ("/works/3/chapters/2/"), never another site's address.
    url = models.CharField(max_length=URL_MAX)
    # Dedupe key, unique per recipient ("posted:12:40"): sending twice creates one row.
    key = models.CharField(max_length=KEY_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Email: wanted when the recipient opted in for the kind; sent_at is set when a worker
    # claims the email (before sending), so no two workers ever send it.
    email_wanted = models.BooleanField(default=False)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_key_unique"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.message[:40]}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_on_posted = models.BooleanField(
        "Email me when a work or chapter I subscribed to is posted", default=False
    )
    email_on_replies = models.BooleanField("Email me about comments and replies", default=False)
    email_kudos_digest = models.BooleanField("Email me the daily kudos digest", default=False)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.user_id}"

    def wants_email(self, kind: str) -> bool:
        """Return whether the user asked for email about notifications of this kind."""
        if kind == Kind.POSTED:
            return self.email_on_posted
        if kind.startswith("comment"):
            return self.email_on_replies
        if kind == Kind.KUDOS_DIGEST:
            return self.email_kudos_digest
        return False
