"""Bookmarks of works and series, with the bookmarker's notes and own (unwrangled) tags."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ficarchive.series.models import Series
from ficarchive.tags.models import MAX_TAG_LENGTH
from ficarchive.works.models import NOTES_MAX, Work

MAX_BOOKMARK_TAGS = 75


class BookmarkQuerySet(models.QuerySet["Bookmark"]):
    def public(self) -> BookmarkQuerySet:
        return self.filter(private=False)


class Bookmark(models.Model):
    """One user's bookmark of exactly one work or one series. "Mark for later" is a private
    bookmark with `for_later` set. Public bookmarks (`private` false) count on the work."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    work = models.ForeignKey(
        Work, on_delete=models.CASCADE, null=True, blank=True, related_name="bookmarks"
    )
    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, null=True, blank=True, related_name="bookmarks"
    )
    notes = models.TextField(blank=True, max_length=NOTES_MAX)
    notes_html = models.TextField(blank=True)
    private = models.BooleanField(default=False)
    recommend = models.BooleanField(default=False)
    for_later = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookmarkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(work__isnull=False, series__isnull=True)
                | Q(work__isnull=True, series__isnull=False),
                name="bookmark_work_xor_series",
            ),
            models.UniqueConstraint(
                fields=["user", "work"],
                condition=Q(work__isnull=False),
                name="bookmark_unique_work",
            ),
            models.UniqueConstraint(
                fields=["user", "series"],
                condition=Q(series__isnull=False),
                name="bookmark_unique_series",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-updated_at"], name="bookmark_user_idx"),
            models.Index(fields=["work", "private"], name="bookmark_work_idx"),
        ]

    def __str__(self) -> str:
        target = f"work {self.work_id}" if self.work_id else f"series {self.series_id}"
        return f"{self.user_id} bookmarked {target}"

    @property
    def is_public(self) -> bool:
        return not self.private


class BookmarkTag(models.Model):
    """A tag the bookmarker gave (free text, cleaned like tag names, never wrangled)."""

    bookmark = models.ForeignKey(Bookmark, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=MAX_TAG_LENGTH)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["bookmark", "name"], name="bookmark_tag_unique"),
        ]

    def __str__(self) -> str:
        return self.name
