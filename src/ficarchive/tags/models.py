"""Tags: fandoms, relationships, characters, additional (freeform) tags, and the fixed archive
warning and category sets. Wrangling (canonical tags, synonyms, parents) builds on this."""

from __future__ import annotations

from urllib.parse import quote

from django.db import models
from django.db.models.functions import Lower

from ficarchive.tags.urlnames import tag_to_url


class TagType(models.TextChoices):
    FANDOM = "fandom", "Fandom"
    RELATIONSHIP = "relationship", "Relationship"
    CHARACTER = "character", "Character"
    FREEFORM = "freeform", "Additional Tag"
    WARNING = "warning", "Archive Warning"
    CATEGORY = "category", "Category"


ARCHIVE_WARNINGS = [
    "Creator Chose Not To Use Archive Warnings",
    "Graphic Depictions Of Violence",
    "Major Character Death",
    "No Archive Warnings Apply",
    "Rape/Non-Con",
    "Underage Sex",
]
CATEGORIES = ["F/F", "F/M", "Gen", "M/M", "Multi", "Other"]
FIXED_TAG_TYPES = {TagType.WARNING, TagType.CATEGORY}
MAX_TAG_LENGTH = 150


class Tag(models.Model):
    """A tag. Names are unique regardless of case, across all types (as on AO3)."""

    name = models.CharField(max_length=MAX_TAG_LENGTH)
    type = models.CharField(max_length=20, choices=TagType.choices)
    canonical = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci")]
        indexes = [models.Index(fields=["type", "name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        # Built directly rather than with reverse(): listing pages link hundreds of tags.
        return f"/tags/{quote(tag_to_url(self.name), safe='*')}/"
