"""Every saved version of a chapter: its text, title, summary, notes and format, kept
compressed (zlib of a JSON object), with when it was saved, by whom and its word count."""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import models

from ficarchive.site.models import DEFAULT_VERSIONS_KEPT, MIN_VERSIONS_KEPT
from ficarchive.works.models import Chapter

__all__ = ["DEFAULT_VERSIONS_KEPT", "MIN_VERSIONS_KEPT", "ChapterContent", "ChapterVersion"]


class VersionKind(models.TextChoices):
    SAVED = "saved", "Saved"
    RESTORED = "restored", "Restored"
    # The chapter as it was before the archive kept versions (or as a backup restored it).
    EARLIER = "earlier", "As it was"


@dataclass(frozen=True)
class ChapterContent:
    """What a version holds: the chapter's sources as the writer gave them."""

    text: str
    text_format: str
    title: str = ""
    summary: str = ""
    notes: str = ""
    end_notes: str = ""

    def pack(self, level: int = 6) -> bytes:
        """Return the content compressed for storage (``level``: zlib's, 1 fastest)."""
        raw = json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))
        return zlib.compress(raw.encode("utf-8"), level)

    @classmethod
    def unpack(cls, data: bytes | memoryview) -> ChapterContent:
        """Return the content stored by `pack`."""
        value = json.loads(zlib.decompress(bytes(data)).decode("utf-8"))
        return cls(**{k: str(value.get(k, "")) for k in cls.__dataclass_fields__})

    @classmethod
    def of(cls, chapter: Chapter) -> ChapterContent:
        return cls(
            text=chapter.text,
            text_format=chapter.text_format,
            title=chapter.title,
            summary=chapter.summary,
            notes=chapter.notes,
            end_notes=chapter.end_notes,
        )


class ChapterVersion(models.Model):
    """One saved state of a chapter; the newest is the chapter as it is now."""

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=VersionKind.choices, default=VersionKind.SAVED)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    word_count = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0, help_text="Characters of the sources.")
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chapter", "number"], name="chapter_version_unique"),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of chapter {self.chapter_id}"

    def content(self) -> ChapterContent:
        return ChapterContent.unpack(self.data)
