"""Helpers the HTML-based importers (HTML, AO3, EPUB, DOCX) share: rendering notes and
chapters through the text pipeline, the language, and what is derived from the chapters."""

from __future__ import annotations

from ficarchive.formats.importers.metadata import apply_field
from ficarchive.formats.importers.structure import beginning_text
from ficarchive.formats.parsed import ParsedWork
from ficarchive.text import RenderedText, render_text, suggest_character_names

_LANGUAGE_NAMES = {"bahasa indonesia": "id", "türkçe": "tr", "tiếng việt": "vi"}


def render_html_notes(markup: str) -> str:
    """Return sanitized HTML for a summary or notes given as HTML (no paragraph ids)."""
    return render_text(markup.strip(), "html", paragraph_ids=False).html.strip()


def render_html_body(markup: str) -> RenderedText:
    """Return a chapter's HTML sanitized, with paragraph ids and counts."""
    rendered = render_text(markup.strip(), "html")
    return RenderedText(rendered.html.strip(), rendered.word_count, rendered.paragraphs)


def finish_work(work: ParsedWork) -> None:
    """Fill in what every importer derives from the chapters (suggested character names)."""
    if work.suggested_characters:
        return
    work.suggested_characters = suggest_character_names(beginning_text(work.chapters))


def apply_language(work: ParsedWork, value: str) -> None:
    """Set the work's language from a code or a name; unknown ones add a warning."""
    value = " ".join(value.split())
    if value.lower() == "other":  # the archive's own choice for unlisted languages
        work.language = "other"
        return
    if not value or value.lower() in ("und", "zxx", "mul"):
        return
    code = _LANGUAGE_NAMES.get(value.lower())
    if code:
        work.language = code
        return
    apply_field(work, "language", value[:60], render_notes=render_html_notes, source="file")
