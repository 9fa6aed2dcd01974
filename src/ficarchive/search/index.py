"""Keeping the full-text index in step with the works: one row per posted work.

The posting actions call :func:`reindex_work` inside their transaction, so a work's row always
matches what readers can read; ``ficarchive reindex`` calls :func:`reindex_all`. Drafts have no
row, and a posted work's row holds its posted chapters only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from ficarchive.search.models import TABLE
from ficarchive.search.query import words_of
from ficarchive.text import html_to_text
from ficarchive.works.models import Chapter, Creatorship, Status, Work, WorkTag

# PostgreSQL refuses a tsvector over 1 MB; the body is cut until it fits (see _write_postgresql).
_PG_BODY_LIMITS = (None, 2_000_000, 500_000, 100_000)


@dataclass(frozen=True)
class SearchText:
    """What the index holds for one work, in columns weighted from title (most) to body."""

    work_id: int
    title: str
    tags: str
    creators: str
    meta: str
    body: str

    @property
    def content(self) -> str:
        """Everything, as one text to cut PostgreSQL snippets from (where words are found
        first is shown: the chapter text before the notes, tags, creators and title)."""
        return "\n\n".join(
            part for part in (self.body, self.meta, self.tags, self.creators, self.title) if part
        )


def _text(html: str) -> str:
    return html_to_text(html, sanitized=True) if html else ""


def _meta(work: Work, chapters: Sequence[Chapter]) -> str:
    """Return the `meta` column: the work's summary and notes, each chapter's title, summary
    and notes, then the work's end notes."""
    meta = [_text(work.summary_html), _text(work.notes_html)]
    for chapter in chapters:
        meta += [chapter.title, _text(chapter.summary_html), _text(chapter.notes_html)]
        meta.append(_text(chapter.end_notes_html))
    meta.append(_text(work.end_notes_html))
    return "\n\n".join(m for m in meta if m)


def search_texts(works: Sequence[Work]) -> list[SearchText]:
    """Return the index text of each work, read in four queries whatever their number."""
    ids = [w.pk for w in works]
    tags: dict[int, list[str]] = defaultdict(list)
    for work_id, name in (
        WorkTag.objects.filter(work_id__in=ids)
        .order_by("tag__name")
        .values_list("work_id", "tag__name")
    ):
        tags[work_id].append(name)
    creators: dict[int, list[str]] = defaultdict(list)
    for work_id, name in (
        Creatorship.objects.filter(work_id__in=ids)
        .order_by("position")
        .values_list("work_id", "pseud__name")
    ):
        creators[work_id].append(name)
    chapters: dict[int, list[Chapter]] = defaultdict(list)
    for chapter in (
        Chapter.objects.filter(work_id__in=ids, posted=True)
        .order_by("work_id", "position")
        .only("work_id", "title", "summary_html", "notes_html", "end_notes_html", "html")
        .iterator(chunk_size=100)
    ):
        chapters[chapter.work_id].append(chapter)
    texts = []
    for work in works:
        body = (_text(chapter.html) for chapter in chapters[work.pk])
        texts.append(
            SearchText(
                work_id=work.pk,
                title=work.title,
                tags="\n".join(tags[work.pk]),
                # An anonymous work is not found by its creators' names.
                creators="" if work.anonymous else "\n".join(creators[work.pk]),
                meta=_meta(work, chapters[work.pk]),
                body="\n\n".join(b for b in body if b),
            )
        )
    return texts


def _appended_text(work: Work, chapter: Chapter) -> SearchText | None:
    """Return the work's index text after `chapter` was posted as its last posted chapter,
    built from the row the index holds now: its tags, creators and body stay as they are, the
    new chapter's text is added to the body, and the small `meta` column is read again. The
    chapters posted before are not converted to text again (that is what makes reindexing a
    long work slow). Returns None when the row cannot be reused: on PostgreSQL (whose row keeps
    a tsvector, not the columns), or when the work has no row."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tags, creators, body FROM {TABLE} WHERE rowid = %s",  # noqa: S608
            [work.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    tags, creators, body = row
    chapters = list(
        Chapter.objects.filter(work_id=work.pk, posted=True)
        .order_by("position")
        .only("work_id", "title", "summary_html", "notes_html", "end_notes_html")
    )
    if not chapters or chapters[-1].pk != chapter.pk:
        return None  # not the last posted chapter: the body's order would be wrong
    added = _text(chapter.html)
    return SearchText(
        work_id=work.pk,
        title=work.title,
        tags=tags,
        creators=creators,
        meta=_meta(work, chapters),
        body="\n\n".join(b for b in (body, added) if b),
    )


def _write_sqlite(texts: Sequence[SearchText]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            f"DELETE FROM {TABLE} WHERE rowid = %s",  # noqa: S608 (a constant)
            [(t.work_id,) for t in texts],
        )
        cursor.executemany(
            f"INSERT INTO {TABLE} (rowid, title, tags, creators, meta, body) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [(t.work_id, t.title, t.tags, t.creators, t.meta, t.body) for t in texts],
        )


_PG_UPSERT = f"""
INSERT INTO {TABLE} (rowid, {TABLE}, content) VALUES (
    %s,
    setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')
    || setweight(to_tsvector('simple', %s), 'C') || setweight(to_tsvector('simple', %s), 'D'),
    %s
)
ON CONFLICT (rowid) DO UPDATE SET {TABLE} = EXCLUDED.{TABLE}, content = EXCLUDED.content
"""  # noqa: S608 (TABLE is a constant)


def _pg_words(text: str) -> str:
    # The words as the query parser splits them, so both databases find the same works.
    return " ".join(word.lower() for word in words_of(text))


def _write_postgresql(texts: Sequence[SearchText]) -> None:
    with connection.cursor() as cursor:
        for text in texts:
            title, tags = _pg_words(text.title), _pg_words(f"{text.tags}\n{text.creators}")
            meta, body_words = _pg_words(text.meta), _pg_words(text.body)
            content = text.content
            for limit in _PG_BODY_LIMITS:
                body = body_words if limit is None else body_words[:limit]
                params: list[int | str] = [text.work_id, title, tags, meta, body, content]
                try:
                    # A savepoint, so that a too-long tsvector can be retried shorter.
                    with transaction.atomic():
                        cursor.execute(_PG_UPSERT, params)
                    break
                except DatabaseError:
                    if limit == _PG_BODY_LIMITS[-1]:
                        raise


def write_texts(texts: Sequence[SearchText]) -> None:
    """Replace the index rows of these works."""
    if not texts:
        return
    if connection.vendor == "postgresql":
        _write_postgresql(texts)
    else:
        _write_sqlite(texts)


def remove_works(work_ids: Iterable[int]) -> None:
    """Remove the index rows of these works (deleted, or back to drafts)."""
    ids = [(pk,) for pk in work_ids]
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {TABLE} WHERE rowid = %s", ids)  # noqa: S608


def reindex_work(work: Work) -> None:
    """Bring the work's index row up to date: its posted content, or no row for a draft."""
    if work.status == Status.POSTED:
        write_texts(search_texts([work]))
    else:
        remove_works([work.pk])


def reindex_appended_chapter(work: Work, chapter: Chapter) -> None:
    """Bring the work's index row up to date after `chapter`, the work's last chapter, was
    posted: the same row :func:`reindex_work` writes, without reading every chapter's text
    again when the index already holds the chapters before it (see `_appended_text`)."""
    if work.status == Status.POSTED and chapter.posted:
        text = _appended_text(work, chapter)
        if text is not None:
            write_texts([text])
            return
    reindex_work(work)


def reindex_works(work_ids: Iterable[int]) -> None:
    """Bring these works' index rows up to date (for actions that change many works at once,
    such as renaming a tag or a pseud)."""
    ids = sorted(set(work_ids))
    for start in range(0, len(ids), 200):
        batch = ids[start : start + 200]
        works = list(Work.objects.filter(pk__in=batch).order_by("pk"))
        posted = [w for w in works if w.status == Status.POSTED]
        write_texts(search_texts(posted))
        remove_works(set(batch) - {w.pk for w in posted})


def remove_work(work: Work) -> None:
    """Remove a work's row; the delete action calls this (FTS5 tables have no foreign keys)."""
    remove_works([work.pk])


@dataclass(frozen=True)
class ReindexSummary:
    works: int
    removed: int


def reindex_all(
    batch_size: int = 200, progress: Callable[[int, int], None] | None = None
) -> ReindexSummary:
    """Rebuild the whole index, a batch of works per transaction (searches keep working while
    it runs), then drop rows of works that are gone or no longer posted. Returns counts."""
    posted = Work.objects.posted()
    total = posted.count()
    done = 0
    last_pk = 0
    while True:
        works = list(posted.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
        if not works:
            break
        with transaction.atomic():
            write_texts(search_texts(works))
        done += len(works)
        last_pk = works[-1].pk
        if progress is not None:
            progress(done, max(total, done))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE rowid NOT IN "  # noqa: S608
            f"(SELECT id FROM {Work._meta.db_table} WHERE status = %s)",
            [Status.POSTED.value],
        )
        removed = cursor.rowcount
        if connection.vendor == "sqlite":
            cursor.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')")  # noqa: S608
    return ReindexSummary(works=done, removed=max(removed, 0))
