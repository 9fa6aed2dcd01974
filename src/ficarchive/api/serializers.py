"""Turn models into the API's JSON objects. Pure functions of already-loaded objects: the views
load what these read (`Work.objects.for_listing()`), so serializing a page runs no query.

The shapes here are the response schemas of `schema.py`; the tests check each against them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from ficarchive.accounts.models import Pseud, User
from ficarchive.bookmarks.models import Bookmark
from ficarchive.formats.exporters import FORMATS
from ficarchive.gifts.models import Gift
from ficarchive.gifts.queries import shown_gifts
from ficarchive.revisions.models import ChapterVersion
from ficarchive.tags.models import Tag, TagType
from ficarchive.tags.urlnames import tag_to_url
from ficarchive.works.models import Chapter, Status, Work

API = "/api/v1"

JSON = dict[str, Any]


def when(value: datetime | None) -> str | None:
    """Return an ISO 8601 time in UTC, or None."""
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def tag_path(name: str) -> str:
    """Return a tag's name as a URL path segment (escaped as the site's tag URLs are)."""
    return quote(tag_to_url(name), safe="*")


def tag_json(tag: Tag) -> JSON:
    return {
        "name": tag.name,
        "type": tag.type,
        "canonical": tag.canonical,
        "url": f"{API}/tags/{tag_path(tag.name)}/",
        "html_url": tag.get_absolute_url(),
    }


def pseud_json(pseud: Pseud) -> JSON:
    return {
        "name": pseud.name,
        "username": pseud.user.username,
        "html_url": f"/users/{quote(pseud.user.username)}/pseuds/{quote(pseud.name)}/",
    }


def gift_json(gift: Gift) -> JSON:
    pseud = gift.pseud
    return {
        "name": gift.display_name,
        "username": pseud.user.username if pseud is not None else None,
        "html_url": gift.url or None,
    }


def work_json(work: Work) -> JSON:
    """Return a work's metadata (no chapter text). Needs `for_listing()`'s prefetches."""
    tags = work.ordered_tags()  # the writer's order: the first relationship is the main pairing

    def names(tag_type: str) -> list[str]:
        return [t.name for t in tags if t.type == tag_type]

    expected = work.chapter_count if work.complete else work.expected_chapters
    return {
        "id": work.pk,
        "title": work.title,
        "status": "draft" if work.status == Status.DRAFT else "posted",
        "restricted": work.restricted,
        "summary_html": work.summary_html,
        "notes_html": work.notes_html,
        "end_notes_html": work.end_notes_html,
        "rating": work.rating,
        "warnings": names(TagType.WARNING),
        "categories": names(TagType.CATEGORY),
        "fandoms": names(TagType.FANDOM),
        "relationships": names(TagType.RELATIONSHIP),
        "characters": names(TagType.CHARACTER),
        "freeforms": names(TagType.FREEFORM),
        "language": work.language,
        "words": work.word_count,
        "chapters": {"posted": work.chapter_count, "expected": expected},
        "complete": work.complete,
        "crossover": work.crossover,
        "published_at": when(work.published_at),
        "updated_at": when(work.updated_at),
        "counts": {
            "kudos": work.kudos_count,
            "hits": work.hit_count,
            "bookmarks": work.bookmark_count,
            "comments": work.comment_count,
        },
        # An anonymous work names no creator (empty until the reveal).
        "creators": [pseud_json(p) for p in work.byline_pseuds()],
        "anonymous": work.anonymous,
        "gifts": [gift_json(g) for g in shown_gifts(work)],
        "links": {
            "self": f"{API}/works/{work.pk}/",
            "html": work.get_absolute_url(),
            "chapters": f"{API}/works/{work.pk}/chapters/",
            "downloads": {name: f"/works/{work.pk}/download/{name}/" for name in FORMATS},
        },
    }


def chapter_json(chapter: Chapter, *, text: bool) -> JSON:
    """Return a chapter's metadata, and with `text` its sanitized HTML and notes."""
    data: JSON = {
        "position": chapter.position,
        "title": chapter.title,
        "display_title": chapter.display_title,
        "words": chapter.word_count,
        "posted": chapter.posted,
        "published_at": when(chapter.published_at),
        "url": f"{API}/works/{chapter.work_id}/chapters/{chapter.position}/",
        "html_url": f"/works/{chapter.work_id}/chapters/{chapter.position}/",
    }
    if text:
        data.update(
            summary_html=chapter.summary_html,
            notes_html=chapter.notes_html,
            end_notes_html=chapter.end_notes_html,
            html=chapter.html,
        )
    return data


def version_json(version: ChapterVersion, chapter: Chapter, *, current: bool) -> JSON:
    """Return one kept version of a chapter with its sources (for its creators)."""
    content = version.content()
    base = f"{API}/works/{chapter.work_id}/chapters/{chapter.position}/versions/{version.number}"
    return {
        "number": version.number,
        "created_at": when(version.created_at),
        "author": version.author.username if version.author is not None else None,
        "kind": version.kind,
        "restored_from": version.restored_from,
        "words": version.word_count,
        "current": current,
        "title": content.title,
        "summary": content.summary,
        "notes": content.notes,
        "end_notes": content.end_notes,
        "text": content.text,
        "text_format": content.text_format,
        "restore_url": f"{base}/restore/",
    }


def tag_detail_json(
    tag: Tag, *, synonyms: list[Tag], parents: list[Tag], children: list[Tag], work_count: int
) -> JSON:
    data = tag_json(tag)
    data.update(
        merger=tag_json(tag.merger) if tag.merger is not None else None,
        synonyms=[t.name for t in synonyms],
        parents=[tag_json(t) for t in parents],
        children=[tag_json(t) for t in children],
        work_count=work_count,
        works_url=f"{API}/works/?include={quote((tag.merger or tag).name)}",
    )
    return data


def user_json(user: User, *, work_count: int) -> JSON:
    return {
        "username": user.username,
        "html_url": f"/users/{quote(user.username)}/",
        "pseuds": [
            {"name": p.name, "is_default": p.is_default, "description": p.description}
            for p in user.pseuds.all()
        ],
        "work_count": work_count,
    }


def bookmark_json(bookmark: Bookmark) -> JSON:
    return {
        "id": bookmark.pk,
        "work_id": bookmark.work_id,
        "series_id": bookmark.series_id,
        "notes_html": bookmark.notes_html,
        "tags": [t.name for t in bookmark.tags.all()],
        "private": bookmark.private,
        "recommend": bookmark.recommend,
        "for_later": bookmark.for_later,
        "created_at": when(bookmark.created_at),
        "updated_at": when(bookmark.updated_at),
        "url": f"{API}/bookmarks/{bookmark.pk}/",
    }
