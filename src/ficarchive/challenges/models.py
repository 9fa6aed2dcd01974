"""Tag sets: a list of tags, owned by members, that a challenge's sign-ups may name (AO3's
owned tag sets), and the nominations participants make to fill it."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from ficarchive.accounts.models import User
from ficarchive.tags.models import MAX_TAG_LENGTH, Tag, TagType

TITLE_MAX = 100
DESCRIPTION_MAX = 5000
# The tag types a set holds and participants nominate (the fixed warnings and categories
# need no set).
SET_TYPES: tuple[str, ...] = (
    TagType.FANDOM.value,
    TagType.CHARACTER.value,
    TagType.RELATIONSHIP.value,
    TagType.FREEFORM.value,
)
MAX_TAGS_PER_SET = 10_000
MAX_NOMINATIONS_PER_TYPE = 50


class TagSet(models.Model):
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX)
    owners = models.ManyToManyField(User, related_name="owned_tag_sets")
    tags = models.ManyToManyField(Tag, related_name="tag_sets", blank=True)
    nominations_open = models.BooleanField(default=False)
    # How many tags of each type one participant may nominate (0: none of that type).
    fandom_limit = models.PositiveSmallIntegerField(default=0)
    character_limit = models.PositiveSmallIntegerField(default=0)
    relationship_limit = models.PositiveSmallIntegerField(default=0)
    freeform_limit = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("title"), name="tag_set_title_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/tag_sets/{self.pk}/"

    def limit(self, tag_type: str) -> int:
        return int(getattr(self, f"{tag_type}_limit", 0))


class NominationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TagNomination(models.Model):
    tag_set = models.ForeignKey(TagSet, on_delete=models.CASCADE, related_name="nominations")
    nominator = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tag_nominations")
    tag_type = models.CharField(max_length=20, choices=TagType.choices)
    name = models.CharField(max_length=MAX_TAG_LENGTH)
    status = models.CharField(
        max_length=10, choices=NominationStatus.choices, default=NominationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "tag_set", "nominator", "tag_type", Lower("name"), name="nomination_once_ci"
            ),
        ]
        indexes = [models.Index(fields=["tag_set", "status", "tag_type"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.tag_type}) for {self.tag_set_id}"
