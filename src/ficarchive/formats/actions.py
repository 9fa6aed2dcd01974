"""Turn a parsed file into a work, through the posting actions (one transaction)."""

from __future__ import annotations

from django.db import transaction

from ficarchive.accounts.models import User
from ficarchive.formats.parsed import ParsedWork
from ficarchive.works import actions
from ficarchive.works.models import Rating, TextFormat, Work

RATING_BY_LABEL = {label: value for value, label in Rating.choices}


def work_input_from_parsed(parsed: ParsedWork, *, title: str | None = None) -> actions.WorkInput:
    """Return the work metadata of a parsed file as posting input (HTML sources)."""
    return actions.WorkInput(
        title=(title or parsed.title).strip(),
        summary=parsed.summary,
        notes=parsed.notes,
        end_notes=parsed.end_notes,
        text_format=TextFormat.HTML,
        rating=RATING_BY_LABEL.get(parsed.rating, Rating.NOT_RATED),
        warnings=list(parsed.archive_warnings),
        categories=list(parsed.categories),
        fandoms=list(parsed.fandoms),
        relationships=list(parsed.relationships),
        characters=list(parsed.characters),
        freeforms=list(parsed.tags),
        language=parsed.language or "en",
        expected_chapters=len(parsed.chapters) if parsed.complete else None,
        complete=bool(parsed.complete),
    )


@transaction.atomic
def import_parsed_work(
    user: User, parsed: ParsedWork, *, title: str | None = None, draft: bool = False
) -> Work:
    """Create a work (posted, or a draft) with every chapter of the parsed file. Returns it.

    Raises ValidationError (nothing saved) when the file's content cannot be posted as it is,
    e.g. no title, or no fandom for a work that is to be posted."""
    data = work_input_from_parsed(parsed, title=title)
    chapters = [
        actions.ChapterInput(
            text=c.html,
            text_format=TextFormat.HTML,
            title=c.title,
            summary=c.summary,
            notes=c.notes,
            end_notes=c.end_notes,
        )
        for c in parsed.chapters
    ]
    work = actions.post_work(user, data, chapters[0], draft=draft)
    for chapter in chapters[1:]:
        actions.add_chapter(user, work, chapter, draft=draft)
    work.refresh_from_db()
    return work
