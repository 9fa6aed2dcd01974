"""The plain data every exporter reads: a work with its metadata and the chapters to include.

Built from the models by :func:`ficarchive.formats.downloads.export_document`; the exporters
never touch the database, so they are fast to test and give the same bytes for the same data.
All ``*_html`` fields hold HTML made by the text pipeline's sanitizer.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}")


@dataclass(frozen=True)
class ExportChapter:
    number: int  # 1, 2, 3 ... in reading order among the included chapters
    title: str
    html: str
    summary_html: str = ""
    notes_html: str = ""
    end_notes_html: str = ""
    draft: bool = False

    @property
    def heading(self) -> str:
        """Return "Chapter 2: Pressure", or "Chapter 2" for an untitled chapter."""
        label = f"Chapter {self.number}: {self.title}" if self.title else f"Chapter {self.number}"
        return f"{label} (draft)" if self.draft else label


@dataclass(frozen=True)
class ExportWork:
    work_id: int
    site_name: str
    title: str
    creators: list[str]
    rating: str
    language: str  # the stored code: "en", "ja", "other"
    language_name: str
    modified: datetime  # aware; changes whenever the work or a chapter changes
    published: datetime | None = None
    updated: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    fandoms: list[str] = field(default_factory=list)
    relationships: list[str] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    freeforms: list[str] = field(default_factory=list)
    summary_html: str = ""
    notes_html: str = ""
    end_notes_html: str = ""
    words: int = 0
    chapters_label: str = ""
    complete: bool = False
    draft: bool = False  # the work itself is an unposted draft
    chapters: list[ExportChapter] = field(default_factory=list)
    # Who the work is a gift for (names only, refused gifts left out): "For a, b".
    recipients: list[str] = field(default_factory=list)
    # The site's address ("https://fics.example.org", no trailing slash) for the link back to
    # the work; "" when neither FICARCHIVE_SITE_URL nor a request gave one.
    site_url: str = ""

    @property
    def has_drafts(self) -> bool:
        """Return True when the file shows anything that is not posted (say so in it)."""
        return self.draft or any(c.draft for c in self.chapters)

    @property
    def identifier(self) -> str:
        """Return a stable ``urn:uuid:`` for this work on this site (same for every version)."""
        name = f"ficarchive:{self.site_name}:work:{self.work_id}"
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"

    @property
    def language_tag(self) -> str:
        """Return a well-formed BCP 47 tag for the work's language ("und" when unknown)."""
        if self.language != "other" and _LANGUAGE_TAG.fullmatch(self.language):
            return self.language
        return "und"

    @property
    def url_path(self) -> str:
        return f"/works/{self.work_id}/"

    @property
    def work_url(self) -> str:
        """Return the absolute address of the work ("https://fics.example.org/works/12/"), or
        its path when the site's address is unknown."""
        return self.site_url + self.url_path if self.site_url else self.url_path

    def metadata_rows(self) -> list[tuple[str, list[str]]]:
        """Return the preface's labelled lists, AO3's order, leaving out empty ones."""
        rows = [
            ("Rating", [self.rating]),
            ("Archive warnings", self.warnings),
            ("Categories", self.categories),
            ("Fandoms", self.fandoms),
            ("Relationships", self.relationships),
            ("Characters", self.characters),
            ("Additional tags", self.freeforms),
            ("Language", [self.language_name]),
        ]
        return [(label, values) for label, values in rows if values]

    def stats_line(self) -> str:
        """Return "Published: 2024-05-01 · Updated: ... · Words: 1,234 · Chapters: 2/?"."""
        parts = []
        if self.published is not None:
            parts.append(f"Published: {self.published.date().isoformat()}")
        if self.updated is not None and self.updated != self.published:
            label = "Completed" if self.complete else "Updated"
            parts.append(f"{label}: {self.updated.date().isoformat()}")
        parts.append(f"Words: {self.words:,}")
        if self.chapters_label:
            parts.append(f"Chapters: {self.chapters_label}")
        return " · ".join(parts)

    def draft_notice(self) -> str:
        """Return the sentence that says the file shows unposted text, or ""."""
        if self.draft:
            return "This is a draft: the work is not posted, and only its creators can see it."
        if self.has_drafts:
            return "This file includes draft chapters that are not posted yet."
        return ""

    def origin_line(self) -> str:
        """Return "Work 12 on ficarchive (https://fics.example.org/works/12/)"."""
        return f"Work {self.work_id} on {self.site_name} ({self.work_url})"

    def origin_html(self, escape: Callable[[str], str]) -> str:
        """Return the origin line as markup, its address a link when it is absolute."""
        url = escape(self.work_url).replace('"', "&quot;")
        link = f'<a href="{url}">{url}</a>' if self.site_url else url
        return f"Work {self.work_id} on {escape(self.site_name)} ({link})"


def preface_parts(
    work: ExportWork,
    escape: Callable[[str], str],
    block: Callable[[str, str, str], str],
) -> list[str]:
    """Return the preface markup both the EPUB title page and the HTML file open with: draft
    notice, title, byline, metadata list with stats, summary and notes. `escape` is the text
    escaper of the target (XML or HTML); `block` renders a labelled note section."""
    parts = []
    notice = work.draft_notice()
    if notice:
        parts.append(f'<p class="draft-notice">{escape(notice)}</p>\n')
    parts.append(f"<h1>{escape(work.title)}</h1>\n")
    if work.creators:
        parts.append(f'<p class="byline">by {escape(", ".join(work.creators))}</p>\n')
    if work.recipients:
        parts.append(f'<p class="gift-line">For {escape(", ".join(work.recipients))}</p>\n')
    parts.append('<dl class="work-meta">\n')
    for label, values in work.metadata_rows():
        parts.append(f"<dt>{escape(label)}:</dt><dd>{escape(', '.join(values))}</dd>\n")
    parts.append(f"<dt>Stats:</dt><dd>{escape(work.stats_line())}</dd>\n</dl>\n")
    parts.append(block("Summary", work.summary_html, "summary"))
    parts.append(block("Notes", work.notes_html, "notes"))
    return parts
