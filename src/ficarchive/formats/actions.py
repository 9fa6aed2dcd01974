"""Turn a parsed file into a work, through the posting actions (one transaction)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ficarchive.accounts.models import User
from ficarchive.formats.parsed import ParsedChapter, ParsedWork
from ficarchive.moderation.sanctions import check_active
from ficarchive.tags.actions import FORBIDDEN_TAG_CHARS
from ficarchive.tags.models import MAX_TAG_LENGTH
from ficarchive.text import remove_paragraph_ids
from ficarchive.works import actions
from ficarchive.works.models import LANGUAGE_NAMES, Rating, TextFormat, Work

RATING_BY_LABEL = {label: value for value, label in Rating.choices}


_CODES_BY_KEY = {code.lower(): code for code in LANGUAGE_NAMES}


def work_language(code: str) -> str:
    """Return the archive's language choice for a file's language code: a listed code as
    the archive writes it ("pt_br" gives "pt-BR"), else its primary language ("de-AT" gives
    "de"); a language the archive does not list gives "other", no language gives "en"."""
    if not code.strip():
        return "en"
    key = code.strip().lower().replace("_", "-")
    if key in _CODES_BY_KEY:
        return _CODES_BY_KEY[key]
    primary = key.split("-")[0]
    return _CODES_BY_KEY.get(primary, "other")


def clean_tag_names(names: list[str], warnings: list[str]) -> list[str]:
    """Return tag names as the archive can hold them: split at commas (which separate tags),
    characters tags cannot hold removed, cut to the longest tag, duplicates dropped. Says what
    changed in ``warnings``."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for name in names:
        for part in name.split(","):
            kept = "".join(ch for ch in part if ch not in FORBIDDEN_TAG_CHARS)
            kept = " ".join(kept.split())[:MAX_TAG_LENGTH].strip()
            if kept != " ".join(part.split()):
                warnings.append(
                    f"The tag “{' '.join(part.split())[:60]}” was changed to “{kept[:60]}”: "
                    f"tags cannot hold {' '.join(sorted(FORBIDDEN_TAG_CHARS))} or more than "
                    f"{MAX_TAG_LENGTH} characters."
                )
            if kept and kept.casefold() not in seen:
                seen.add(kept.casefold())
                cleaned.append(kept)
    return cleaned


def archive_warnings_of(parsed: ParsedWork) -> list[str]:
    """Return the file's archive warnings; a file that gives none gets "Creator Chose Not To
    Use Archive Warnings" (as AO3 does), said in ``parsed.warnings``."""
    if parsed.archive_warnings:
        return list(parsed.archive_warnings)
    parsed.warnings.append(
        f"The file gives no archive warning, so the work got “{actions.NO_WARNING_CHOSEN}”: "
        "edit the work to choose the warnings that apply."
    )
    return [actions.NO_WARNING_CHOSEN]


def work_input_from_parsed(parsed: ParsedWork, *, title: str | None = None) -> actions.WorkInput:
    """Return the work metadata of a parsed file as posting input (HTML sources)."""
    return actions.WorkInput(
        title=(title or parsed.title).strip(),
        summary=parsed.summary,
        notes=parsed.notes,
        end_notes=parsed.end_notes,
        text_format=TextFormat.HTML,
        rating=RATING_BY_LABEL.get(parsed.rating, Rating.NOT_RATED),
        warnings=archive_warnings_of(parsed),
        categories=list(parsed.categories),
        fandoms=clean_tag_names(parsed.fandoms, parsed.warnings),
        relationships=clean_tag_names(parsed.relationships, parsed.warnings),
        characters=clean_tag_names(parsed.characters, parsed.warnings),
        freeforms=clean_tag_names(parsed.tags, parsed.warnings),
        language=work_language(parsed.language),
        expected_chapters=len(parsed.chapters) if parsed.complete else None,
        complete=bool(parsed.complete),
    )


def chapter_input_from_parsed(chapter: ParsedChapter) -> actions.ChapterInput:
    """Return a parsed chapter as posting input: its plain-text or Markdown source when the
    file gave one (so that the writer edits what they wrote), else its HTML without the
    pipeline's paragraph ids (they are made again on each save)."""
    if (
        chapter.source_format in TextFormat.values
        and chapter.source.strip()
        and not chapter.summary
    ):
        return actions.ChapterInput(
            text=chapter.source,
            text_format=chapter.source_format,
            title=chapter.title,
            notes=chapter.notes_source,
            end_notes=chapter.end_notes_source,
        )
    return actions.ChapterInput(
        # Importers give pipeline output (sanitized), which is read by the fast scanner.
        text=remove_paragraph_ids(chapter.html, sanitized=True),
        text_format=TextFormat.HTML,
        title=chapter.title,
        summary=chapter.summary,
        notes=chapter.notes,
        end_notes=chapter.end_notes,
    )


@transaction.atomic
def import_parsed_work(
    user: User, parsed: ParsedWork, *, title: str | None = None, draft: bool = False
) -> Work:
    """Create a work (posted, or a draft) with every chapter of the parsed file. Returns it.

    Raises ValidationError (nothing saved) when the file's content cannot be posted as it is,
    e.g. no title, or no fandom for a work that is to be posted."""
    check_active(user)
    data = work_input_from_parsed(parsed, title=title)
    chapters = [chapter_input_from_parsed(c) for c in parsed.chapters]
    work = actions.post_work(user, data, chapters[0], draft=draft)
    actions.add_chapters(user, work, chapters[1:], draft=draft)
    if not draft:
        _keep_file_dates(work, parsed)
    work.refresh_from_db()
    return work


def _as_datetime(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(12, 0), tzinfo=dt.UTC)


def _keep_file_dates(work: Work, parsed: ParsedWork) -> None:
    """Give a posted work the dates its file names (AO3's Published and Updated or
    Completed, an EPUB's dc:date) instead of today's; the last chapter was posted on the
    work's update date, the others on its first date."""
    first = parsed.published or parsed.updated
    if first is None:
        return
    published = _as_datetime(first)
    updated = max(published, _as_datetime(parsed.updated or first))
    Work.objects.filter(pk=work.pk).update(published_at=published, updated_at=updated)
    chapters = work.chapters.filter(posted=True).order_by("position")
    last = chapters.last()
    chapters.update(published_at=published)
    if last is not None:
        type(last).objects.filter(pk=last.pk).update(published_at=updated)
