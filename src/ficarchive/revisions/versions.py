"""Recording chapter versions, called by the chapter-writing actions inside their own
transaction (works/actions.py), so a chapter is never saved without its version."""

from __future__ import annotations

from django.db.models import Max
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.revisions.models import (
    MIN_VERSIONS_KEPT,
    ChapterContent,
    ChapterVersion,
    VersionKind,
)
from ficarchive.site import conf
from ficarchive.works.models import Chapter


def versions_kept() -> int:
    """Return how many versions a chapter keeps: the site setting, never below the minimum."""
    return max(MIN_VERSIONS_KEPT, conf.current().chapter_versions_kept)


def _size(content: ChapterContent) -> int:
    return sum(
        len(v)
        for v in (content.text, content.title, content.summary, content.notes, content.end_notes)
    )


def keep_baseline(chapter: Chapter) -> None:
    """Before a chapter that has no versions yet is changed (it was saved before the archive
    kept versions), keep it as it is now as its first version. Locks the chapter's row, so
    two saves of one chapter at once number their versions one after the other."""
    current = (
        Chapter.objects.select_for_update()
        .filter(pk=chapter.pk)
        .values("text", "text_format", "title", "summary", "notes", "end_notes", "word_count")
        .first()
    )
    if current is None or ChapterVersion.objects.filter(chapter_id=chapter.pk).exists():
        return
    words = current["word_count"]
    content = ChapterContent(
        text=current["text"],
        text_format=current["text_format"],
        title=current["title"],
        summary=current["summary"],
        notes=current["notes"],
        end_notes=current["end_notes"],
    )
    ChapterVersion.objects.create(
        chapter_id=chapter.pk,
        number=1,
        kind=VersionKind.EARLIER,
        created_at=chapter.updated_at or timezone.now(),
        word_count=words,
        size=_size(content),
        data=content.pack(),
    )


def record_version(
    chapter: Chapter,
    author: User | None,
    *,
    kind: str = VersionKind.SAVED,
    restored_from: int | None = None,
) -> ChapterVersion | None:
    """Keep the chapter as just saved as its newest version, and drop the oldest beyond the
    site's bound. Returns the version, or None when nothing changed since the newest one."""
    content = ChapterContent.of(chapter)
    versions = ChapterVersion.objects.filter(chapter_id=chapter.pk)
    newest = versions.order_by("-number").only("number", "data").first()
    if newest is not None and newest.content() == content:
        return None
    number = (newest.number if newest is not None else 0) + 1
    version = ChapterVersion.objects.create(
        chapter_id=chapter.pk,
        number=number,
        kind=kind,
        restored_from=restored_from,
        created_at=timezone.now(),
        author=author,
        word_count=chapter.word_count,
        size=_size(content),
        data=content.pack(),
    )
    prune(chapter)
    return version


def record_first_versions(chapters: list[Chapter], author: User | None) -> None:
    """Keep each of these chapters, just made and saved, as its first version: what
    :func:`record_version` does for a new chapter, in one insert for all of them (an import
    adds hundreds at once)."""
    now = timezone.now()
    versions = []
    for chapter in chapters:
        content = ChapterContent.of(chapter)
        versions.append(
            ChapterVersion(
                chapter_id=chapter.pk,
                number=1,
                kind=VersionKind.SAVED,
                created_at=now,
                author=author,
                word_count=chapter.word_count,
                size=_size(content),
                # zlib's fastest level: an import packs up to 10 MB at once; on prose it is
                # several times faster than level 6 for about a quarter more bytes.
                data=content.pack(level=1),
            )
        )
    ChapterVersion.objects.bulk_create(versions, batch_size=100)


def prune(chapter: Chapter) -> int:
    """Delete the chapter's oldest versions beyond the site's bound. Returns how many."""
    kept = versions_kept()
    versions = ChapterVersion.objects.filter(chapter_id=chapter.pk)
    newest = versions.aggregate(m=Max("number"))["m"] or 0
    deleted, _ = versions.filter(number__lte=newest - kept).delete()
    return deleted
