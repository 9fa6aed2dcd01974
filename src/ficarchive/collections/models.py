"""Collections: named groups of works run by their owners and moderators (an anthology, a
fest, a fandom's archive), with their members and the works in them.

A work is in a collection through a `CollectionItem`, which both sides approve: the work's
creator (who approves at once when they add it; a moderator's invitation waits for them) and
the collection (at once unless it is moderated and the work was added by someone who is not
one of its members). Only items approved by both (`approved`) show anywhere public.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from ficarchive.works.models import TITLE_MAX, Work

NAME_MAX = 255
DESCRIPTION_MAX = 5000
HEADER_NOTES_MAX = 5000
# Letters, digits and underscores (ASCII), as AO3 names collections: the name is the URL.
NAME_PATTERN = r"^[A-Za-z0-9_]+$"
NAME_MESSAGE = "A collection's name may hold only letters, digits and underscores."
# Names the URLs under /collections/ use for themselves.
RESERVED_NAMES = frozenset({"new", "items", "page"})


class Approval(models.TextChoices):
    PENDING = "pending", "Waiting"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MODERATOR = "moderator", "Moderator"


class CollectionQuerySet(models.QuerySet["Collection"]):
    def managed_by(self, user_id: int) -> CollectionQuerySet:
        """Return the collections the user owns or moderates."""
        return self.filter(members__user_id=user_id)

    def owned_by(self, user_id: int) -> CollectionQuerySet:
        return self.filter(members__user_id=user_id, members__role=Role.OWNER)


class Collection(models.Model):
    name = models.CharField(
        max_length=NAME_MAX,
        unique=True,
        validators=[RegexValidator(NAME_PATTERN, NAME_MESSAGE)],
        help_text="The collection's URL: /collections/<name>/.",
    )
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    description_html = models.TextField(blank=True)
    header_notes = models.TextField(blank=True, max_length=HEADER_NOTES_MAX)
    header_notes_html = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    open = models.BooleanField(default=True, help_text="Accepting new works.")
    moderated = models.BooleanField(
        default=False, help_text="New works wait for a moderator's approval."
    )
    # Until the reveal: an anonymous collection's works say "Anonymous" instead of their
    # creators; an unrevealed collection's works are hidden from all but their creators, their
    # gift recipients and the collection's moderators. The works carry the same flags
    # (`Work.anonymous`, `Work.unrevealed`), kept by `collections.actions.refresh_work_flags`.
    anonymous = models.BooleanField(
        default=False, help_text="Creators' names are hidden until the reveal."
    )
    unrevealed = models.BooleanField(
        default=False, help_text="The works are hidden until the reveal."
    )
    reveal_at = models.DateTimeField(
        null=True, blank=True, help_text="When the worker reveals the collection by itself."
    )
    revealed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CollectionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("name"), name="collection_name_ci_unique"),
        ]
        indexes = [
            models.Index(fields=["parent", "title"], name="collection_parent_idx"),
            models.Index(
                fields=["reveal_at"],
                name="collection_reveal_idx",
                condition=Q(reveal_at__isnull=False, revealed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/collections/{self.name}/"

    @property
    def hides(self) -> bool:
        """Whether the collection still hides its works or their creators."""
        return self.anonymous or self.unrevealed


class CollectionMember(models.Model):
    """An owner or moderator of a collection. Owners change the collection and its members;
    both moderate its works."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collection_roles"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MODERATOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["collection", "user"], name="collection_member_unique")
        ]
        indexes = [models.Index(fields=["user", "collection"], name="collection_member_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of {self.collection_id}"


class CollectionItemQuerySet(models.QuerySet["CollectionItem"]):
    def approved(self) -> CollectionItemQuerySet:
        """Return the items both sides approved: the only ones shown publicly."""
        return self.filter(approved=True)


class CollectionItem(models.Model):
    """A work in a collection, with each side's approval. `approved` is kept true exactly when
    both are approved (by the actions), so listings filter on one indexed column."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="collection_items")
    creator_approval = models.CharField(
        max_length=10, choices=Approval.choices, default=Approval.PENDING
    )
    moderator_approval = models.CharField(
        max_length=10, choices=Approval.choices, default=Approval.PENDING
    )
    approved = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CollectionItemQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["collection", "work"], name="collection_item_unique"),
            models.CheckConstraint(
                condition=Q(approved=False)
                | Q(creator_approval=Approval.APPROVED, moderator_approval=Approval.APPROVED),
                name="collection_item_approved_by_both",
            ),
        ]
        indexes = [
            models.Index(fields=["collection", "approved", "work"], name="collection_item_idx"),
            models.Index(fields=["work", "approved"], name="collection_item_work_idx"),
            models.Index(
                fields=["collection", "moderator_approval", "-created_at"],
                name="collection_item_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_id} in {self.collection_id}"

    def refresh_approved(self) -> None:
        self.approved = (
            self.creator_approval == Approval.APPROVED
            and self.moderator_approval == Approval.APPROVED
        )
