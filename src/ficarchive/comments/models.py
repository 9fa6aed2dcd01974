"""Comments on chapters and on single paragraphs, threaded.

`text` is what the commenter wrote, `text_html` the sanitized HTML made from it by the text
pipeline (links carry rel="nofollow ugc"). `status` is "published", "pending" (held for
moderation or awaiting a creator's approval) or "deleted" (text removed; kept while it has
replies so the thread holds together).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ficarchive.comments.paragraphs import SNIPPET_MAX
from ficarchive.works.models import Chapter, Work

TEXT_MAX = 10_000
NAME_MAX = 100
# The address of a comment whose account was deleted and whose writer let it stay
# (accounts.actions.delete_account): it has no user, and shows as "deleted user".
DELETED_USER_EMAIL = "deleted-user@invalid"


class CommentStatus(models.TextChoices):
    PUBLISHED = "published", "Published"
    PENDING = "pending", "Pending"
    DELETED = "deleted", "Deleted"


class Comment(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="comments")
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    # The first comment of the thread; null on a thread's first comment itself.
    thread = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="thread_comments"
    )
    # "" for the whole chapter, else a paragraph id of the chapter html ("p3").
    paragraph_id = models.CharField(max_length=12, blank=True)
    # The paragraph's opening text when the comment was left, shown if the paragraph goes.
    paragraph_snippet = models.CharField(max_length=SNIPPET_MAX, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
    )
    guest_name = models.CharField(max_length=NAME_MAX, blank=True)
    guest_email = models.EmailField(blank=True)
    text = models.TextField(max_length=TEXT_MAX)
    text_html = models.TextField()
    status = models.CharField(
        max_length=10, choices=CommentStatus.choices, default=CommentStatus.PUBLISHED
    )
    held_reason = models.CharField(max_length=200, blank=True)
    frozen = models.BooleanField(default=False, help_text="No more replies in this thread.")
    # Idempotency key from the form: a double submit makes one comment.
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "nonce"], condition=Q(user__isnull=False), name="comment_nonce_user"
            ),
            models.UniqueConstraint(
                fields=["nonce"], condition=Q(user__isnull=True), name="comment_nonce_guest"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | (~Q(guest_name="") & ~Q(guest_email="")),
                name="comment_guest_named",
            ),
        ]
        indexes = [
            models.Index(fields=["chapter", "status", "created_at"]),
            models.Index(fields=["work", "status"]),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.work_id}"

    def get_absolute_url(self) -> str:
        return f"/comments/{self.pk}/"

    @property
    def root_id(self) -> int:
        return self.thread_id or self.pk

    # Set (by `comments.threads.mark_anonymous_creators`) on a comment that a creator of an
    # anonymous work wrote on it: its author line says "Anonymous Creator".
    anonymous_creator = False

    @property
    def author_name(self) -> str:
        """Return the commenter's username, or the guest's name marked as a guest."""
        if self.anonymous_creator:
            return "Anonymous Creator"
        if self.user_id is not None:
            return self.user.username if self.user else ""
        if self.from_deleted_account:
            return "deleted user"
        return f"{self.guest_name} (guest)"

    @property
    def from_deleted_account(self) -> bool:
        """Return True for a comment kept after its writer deleted their account."""
        return self.user_id is None and self.guest_email == DELETED_USER_EMAIL

    @property
    def is_published(self) -> bool:
        return self.status == CommentStatus.PUBLISHED

    @property
    def is_pending(self) -> bool:
        return self.status == CommentStatus.PENDING

    @property
    def is_deleted(self) -> bool:
        return self.status == CommentStatus.DELETED
