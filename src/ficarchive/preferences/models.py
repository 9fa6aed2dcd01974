"""A reader's reading preferences and muted tags.

Members keep them here (one `ReadingPreferences` row per user, created the first time they
save, so a missing row means the defaults); guests keep the same choices, muted tags aside,
in the `reading` cookie (`ficarchive.preferences.reader`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

MAX_TIME_ZONE = 64


class ReadingPreferences(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="reading_preferences",
    )
    show_adult_content = models.BooleanField(
        default=False,
        help_text="Open Mature, Explicit and Not Rated works without the adult content notice.",
    )
    hide_warnings = models.BooleanField(
        default=False, help_text="Hide archive warnings behind a “Show warnings” control."
    )
    hide_freeforms = models.BooleanField(
        default=False, help_text="Hide additional tags behind a “Show additional tags” control."
    )
    full_work = models.BooleanField(
        default=False, help_text="Open the entire work rather than its first chapter."
    )
    time_zone = models.CharField(
        max_length=MAX_TIME_ZONE,
        blank=True,
        help_text="An IANA time zone name (Europe/Paris); empty for the site's zone.",
    )
    # How many tags the user muted, kept by the mute actions: listings skip the muted-tag
    # condition (and its count) entirely for the readers who muted nothing.
    muted_tag_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "reading preferences"

    def __str__(self) -> str:
        return f"Reading preferences of {self.user_id}"


class MutedTag(models.Model):
    """A tag a user muted: works carrying it (or a synonym of it, or a tag below it) drop out
    of that user's listings, search results and home page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="muted_tags"
    )
    tag = models.ForeignKey("tags.Tag", on_delete=models.CASCADE, related_name="muted_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tag"], name="mutedtag_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} muted tag {self.tag_id}"
