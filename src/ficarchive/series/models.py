"""Series (a creator's ordered group of works) and related works ("inspired by" links)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ficarchive.works.models import NOTES_MAX, SUMMARY_MAX, TITLE_MAX, Work

EXTERNAL_FIELD_MAX = 255
EXTERNAL_URL_MAX = 2000


class Series(models.Model):
    """An ordered group of works, made by one user. Summary and notes keep the source beside
    the sanitized HTML the text pipeline makes from it (as on works)."""

    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="series"
    )
    title = models.CharField(max_length=TITLE_MAX)
    summary = models.TextField(blank=True, max_length=SUMMARY_MAX)
    summary_html = models.TextField(blank=True)
    notes = models.TextField(blank=True, max_length=NOTES_MAX)
    notes_html = models.TextField(blank=True)
    complete = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    works: models.ManyToManyField[Work, SeriesWork] = models.ManyToManyField(
        Work, through="SeriesWork", related_name="series"
    )

    class Meta:
        verbose_name_plural = "series"
        indexes = [models.Index(fields=["creator", "-updated_at"], name="series_creator_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/series/{self.pk}/"


class SeriesWork(models.Model):
    """A work's place in a series: part `position` (1, 2, ...)."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="entries")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="series_entries")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["series", "position"], name="series_position_unique"),
            models.UniqueConstraint(fields=["series", "work"], name="series_work_unique"),
        ]
        indexes = [models.Index(fields=["work", "series"], name="series_work_idx")]

    def __str__(self) -> str:
        return f"{self.work_id} as part {self.position} of {self.series_id}"


class RelatedWork(models.Model):
    """`work` was inspired by `parent_work` (a work here) or by an external work (title,
    author and URL kept exactly as the creator wrote them). A link to a work here shows on the
    parent only once one of the parent's creators approves it."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="inspirations")
    parent_work = models.ForeignKey(
        Work, on_delete=models.CASCADE, null=True, blank=True, related_name="inspired"
    )
    external_title = models.CharField(max_length=EXTERNAL_FIELD_MAX, blank=True)
    external_author = models.CharField(max_length=EXTERNAL_FIELD_MAX, blank=True)
    external_url = models.URLField(max_length=EXTERNAL_URL_MAX, blank=True)
    approved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["work", "parent_work"],
                condition=Q(parent_work__isnull=False),
                name="related_work_unique_parent",
            ),
            models.CheckConstraint(
                condition=Q(parent_work__isnull=False) | ~Q(external_title=""),
                name="related_work_has_parent_or_title",
            ),
            models.CheckConstraint(
                condition=~Q(parent_work=models.F("work")), name="related_work_not_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["parent_work", "approved"], name="related_parent_idx"),
        ]

    def __str__(self) -> str:
        parent = self.parent_work_id if self.parent_work_id else self.external_title
        return f"{self.work_id} inspired by {parent}"

    @property
    def is_external(self) -> bool:
        return self.parent_work_id is None

    @property
    def link_url(self) -> str:
        """Return the external URL when it is one a link may point at (http or https)."""
        url = self.external_url
        return url if url.lower().startswith(("http://", "https://")) else ""
