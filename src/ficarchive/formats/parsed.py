"""What an importer makes of a file: a work with chapters, before anything is saved.

Pure data (no Django), so that importers can be tested and fuzzed fast, and so that
``ficarchive import --dry-run --json`` can print exactly what an import would post.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

RATINGS: tuple[str, ...] = (
    "Not Rated",
    "General Audiences",
    "Teen And Up Audiences",
    "Mature",
    "Explicit",
)
ARCHIVE_WARNINGS: tuple[str, ...] = (
    "Creator Chose Not To Use Archive Warnings",
    "Graphic Depictions Of Violence",
    "Major Character Death",
    "No Archive Warnings Apply",
    "Rape/Non-Con",
    "Underage Sex",
)
CATEGORIES: tuple[str, ...] = ("F/F", "F/M", "Gen", "M/M", "Multi", "Other")


@dataclass
class ParsedChapter:
    """One chapter of an imported file; every HTML field is sanitized."""

    title: str = ""
    summary: str = ""  # html
    notes: str = ""  # html
    end_notes: str = ""  # html
    html: str = ""  # the chapter text, with paragraph ids
    word_count: int = 0
    paragraphs: int = 0
    # The chapter as written in the file, when its format is one a writer edits (plain text
    # or Markdown): the text and notes sources and their format. Empty: the HTML above is
    # the source.
    source_format: str = ""
    source: str = ""
    notes_source: str = ""
    end_notes_source: str = ""

    def to_json(self) -> dict[str, object]:
        """Return the chapter as a JSON-ready dict."""
        return {
            "title": self.title,
            "summary": self.summary,
            "notes": self.notes,
            "end_notes": self.end_notes,
            "html": self.html,
            "word_count": self.word_count,
            "paragraphs": self.paragraphs,
        }


@dataclass
class ParsedSeries:
    """A series the file says the work belongs to (an AO3 download's "Series" line)."""

    title: str
    part: int | None = None

    def to_json(self) -> dict[str, object]:
        """Return the series as a JSON-ready dict."""
        return {"title": self.title, "part": self.part}


@dataclass
class ParsedWork:
    """A work read from a file: metadata, chapters, and messages for the user."""

    title: str = ""
    author: str = ""  # as written in the file; informational only
    summary: str = ""  # html
    notes: str = ""  # html (beginning of the work)
    end_notes: str = ""  # html
    rating: str = ""  # "" or one of RATINGS
    archive_warnings: list[str] = field(default_factory=list)  # from ARCHIVE_WARNINGS
    categories: list[str] = field(default_factory=list)  # from CATEGORIES
    fandoms: list[str] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    relationships: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    language: str = ""  # a language code such as "en", or "" when the file does not say
    complete: bool | None = None
    published: dt.date | None = None  # the file's own dates (AO3's Published, EPUB dc:date)
    updated: dt.date | None = None  # AO3's Updated or Completed
    series: list[ParsedSeries] = field(default_factory=list)
    chapters: list[ParsedChapter] = field(default_factory=list)
    suggested_characters: list[str] = field(default_factory=list)
    encoding: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def word_count(self) -> int:
        """Return the number of words in all chapters."""
        return sum(chapter.word_count for chapter in self.chapters)

    def to_json(self) -> dict[str, object]:
        """Return the work as a JSON-ready dict (the ``import --dry-run --json`` output)."""
        return {
            "title": self.title,
            "author": self.author,
            "summary": self.summary,
            "notes": self.notes,
            "end_notes": self.end_notes,
            "rating": self.rating,
            "archive_warnings": list(self.archive_warnings),
            "categories": list(self.categories),
            "fandoms": list(self.fandoms),
            "characters": list(self.characters),
            "relationships": list(self.relationships),
            "tags": list(self.tags),
            "language": self.language,
            "complete": self.complete,
            "published": self.published.isoformat() if self.published else None,
            "updated": self.updated.isoformat() if self.updated else None,
            "series": [series.to_json() for series in self.series],
            "word_count": self.word_count,
            "chapters": [chapter.to_json() for chapter in self.chapters],
            "suggested_characters": list(self.suggested_characters),
            "encoding": self.encoding,
            "warnings": list(self.warnings),
        }
