"""Read files this archive exported (HTML and EPUB downloads) back into the work they show,
and the labelled metadata lists that both our files and AO3's downloads open with.

Our downloads (:mod:`ficarchive.formats.exporters`) share one preface: the title in an
``<h1>``, ``<p class="byline">``, ``<dl class="work-meta">`` with ``Rating:``, ``Archive
warnings:``... rows, then ``<section class="summary">`` and ``<section class="notes">``
holding a heading and a ``<blockquote>``. Each chapter is a ``<section>`` with its heading
(``Chapter 2: Pressure``), optional summary/notes sections, ``<div class="chapter-text">``
and an optional end-notes section; the work's end notes close the file. Reading that shape
back gives the same title, metadata, notes and chapters.
"""

from __future__ import annotations

import re

from ficarchive.formats.importers.common import (
    apply_language,
    finish_work,
    render_html_body,
    render_html_notes,
)
from ficarchive.formats.importers.htmltree import (
    Node,
    by_class,
    by_tag,
    inner_html,
    parse_html,
    text_of,
)
from ficarchive.formats.importers.metadata import apply_field, parse_date
from ficarchive.formats.parsed import ParsedChapter, ParsedSeries, ParsedWork

_NATIVE_HEADING = re.compile(r"Chapter \d+(?:: (?P<title>.*))?", re.DOTALL)
_DRAFT_MARK = " (draft)"
_SERIES_PART = re.compile(r"Part (?P<part>\d{1,6}) of (?P<title>.+?)(?=,\s*Part \d{1,6} of |$)")
_CHAPTERS_STAT = re.compile(r"Chapters:\s*(?P<done>\d+)\s*/\s*(?P<total>\d+|\?)")
_DATE_STAT = re.compile(
    r"(?P<label>Published|Updated|Completed):\s*(?P<date>\d{4}-\d{1,2}-\d{1,2})"
)
_LIST_FIELDS = {
    "rating": "rating",
    "ratings": "rating",
    "archive warning": "warnings",
    "archive warnings": "warnings",
    "warning": "warnings",
    "warnings": "warnings",
    "category": "categories",
    "categories": "categories",
    "fandom": "fandoms",
    "fandoms": "fandoms",
    "relationship": "relationships",
    "relationships": "relationships",
    "character": "characters",
    "characters": "characters",
    "additional tag": "tags",
    "additional tags": "tags",
    "freeform": "tags",
    "freeforms": "tags",
    "tags": "tags",
}


def _values(dd: Node) -> list[str]:
    """Return the names in a ``<dd>``: its links' texts (AO3), else its comma-separated text."""
    links = [text_of(a) for a in dd.find_all(by_tag("a"))]
    links = [link for link in links if link]
    if links:
        return links
    return [part.strip() for part in text_of(dd).split(",") if part.strip()]


def definition_rows(dl: Node) -> list[tuple[str, Node]]:
    """Return (label, dd) for each ``<dt>``/``<dd>`` pair; labels in lower case without
    the colon."""
    rows: list[tuple[str, Node]] = []
    label: str | None = None
    for child in dl.elements():
        if child.tag == "dt":
            label = " ".join(text_of(child).rstrip(":").lower().split())
        elif child.tag == "dd" and label is not None:
            rows.append((label, child))
            label = None
    return rows


def apply_metadata_list(dl: Node, work: ParsedWork) -> None:
    """Apply a preface's metadata list (ours or AO3's ``dl.tags``) to ``work``."""
    for label, dd in definition_rows(dl):
        field = _LIST_FIELDS.get(label)
        if field == "rating":
            values = _values(dd)
            if values:
                apply_field(
                    work, "rating", values[0], render_notes=render_html_notes, source="file"
                )
        elif field is not None:
            apply_field(work, field, _values(dd), render_notes=render_html_notes, source="file")
        elif label == "language" and not work.language:
            apply_language(work, text_of(dd))
        elif label == "series":
            for match in _SERIES_PART.finditer(text_of(dd)):
                work.series.append(
                    ParsedSeries(title=match.group("title").strip(), part=int(match["part"]))
                )
        elif label == "stats":
            _apply_stats(text_of(dd), work)


def _apply_stats(stats: str, work: ParsedWork) -> None:
    dates = {m["label"]: parse_date(m["date"]) for m in _DATE_STAT.finditer(stats)}
    work.published = dates.get("Published") or work.published
    # AO3 shows Completed for a finished work and Updated for one in progress.
    work.updated = dates.get("Completed") or dates.get("Updated") or work.updated
    match = _CHAPTERS_STAT.search(stats)
    if match:
        total = match.group("total")
        work.complete = total != "?" and int(total) == int(match.group("done"))
    elif "Completed:" in stats:
        work.complete = True


def blockquote_html(section: Node | None) -> str:
    """Return the sanitized HTML of the ``<blockquote>`` in a notes section, or ""."""
    if section is None:
        return ""
    quote = section.find(by_tag("blockquote"))
    return render_html_notes(inner_html(quote)) if quote is not None else ""


def is_native(root: Node) -> bool:
    """Return True for a document exported by this archive (its metadata list)."""
    return root.find(by_class("work-meta", "dl")) is not None


def _child_section(node: Node, css_class: str) -> Node | None:
    return next(
        (
            child
            for child in node.elements()
            if child.tag == "section" and css_class in child.classes
        ),
        None,
    )


def read_preface(preface: Node, work: ParsedWork) -> None:
    """Apply our preface (title, byline, metadata list, summary and notes) to ``work``."""
    title = preface.find(by_tag("h1"))
    if title is not None:
        work.title = text_of(title)
    byline = preface.find(by_class("byline"))
    if byline is not None:
        work.author = text_of(byline).removeprefix("by ").strip()
    meta = preface.find(by_class("work-meta", "dl"))
    if meta is not None:
        apply_metadata_list(meta, work)
    container = meta_parent(preface, meta) if meta is not None else preface
    work.summary = blockquote_html(_child_section(container, "summary"))
    work.notes = blockquote_html(_child_section(container, "notes"))


def meta_parent(root: Node, target: Node) -> Node:
    """Return the parent of ``target`` below ``root`` (``root`` if not found)."""
    for node in root.iter():
        if any(child is target for child in node.children):
            return node
    return root


def has_drafts(root: Node) -> bool:
    """Return True when the file says it shows draft chapters (its draft notice)."""
    return root.find(by_class("draft-notice")) is not None


def chapter_title(heading: str, *, drafts: bool = False) -> str:
    """Return a chapter's title from our heading: "Chapter 2: Fog" gives "Fog". In a file
    with drafts, a draft chapter's heading ends in " (draft)", which is not its title."""
    if drafts:
        heading = heading.removesuffix(_DRAFT_MARK)
    match = _NATIVE_HEADING.fullmatch(heading)
    if match is None:
        return heading
    return (match.group("title") or "").strip()


def read_chapter(section: Node, work: ParsedWork, *, drafts: bool = False) -> ParsedChapter | None:
    """Return the chapter in one of our chapter sections (None, with a warning, when it has
    no text)."""
    heading = section.find(by_tag("h1", "h2"))
    title = chapter_title(text_of(heading), drafts=drafts) if heading is not None else ""
    text = section.find(by_class("chapter-text"))
    rendered = render_html_body(inner_html(text)) if text is not None else None
    if rendered is None or rendered.word_count == 0:
        work.warnings.append(
            f"The chapter “{text_of(heading) if heading is not None else title}” has no text, "
            "so it was not imported."
        )
        return None
    return ParsedChapter(
        title=title,
        summary=blockquote_html(_child_section(section, "summary")),
        notes=blockquote_html(_child_section(section, "notes")),
        end_notes=blockquote_html(_child_section(section, "end-notes")),
        html=rendered.html,
        word_count=rendered.word_count,
        paragraphs=rendered.paragraphs,
    )


IMAGE_CLASS = "ficarchive-image"  # as the exporters write images (formats/exporters/xhtml.py)
_IMAGE_LABEL = re.compile(r"\[image(?::\s*(?P<alt>.*))?\]", re.DOTALL)


def restore_images(root: Node) -> None:
    """Turn the image links our downloads write (``<a class="ficarchive-image">[image:
    alt]</a>``) back into images, and drop the labels of images that had no link, so that
    an image's description never becomes words of the story."""
    for node in root.iter():
        for index, child in enumerate(node.children):
            if not isinstance(child, Node) or IMAGE_CLASS not in child.classes:
                continue
            match = _IMAGE_LABEL.fullmatch(text_of(child))
            alt = (match.group("alt") or "").strip() if match else ""
            href = child.attrs.get("href", "")
            node.children[index] = (
                Node("img", {"src": href, "alt": alt}) if child.tag == "a" and href else ""
            )


def parse_native_html(root: Node) -> ParsedWork:
    """Return the work in an HTML download made by this archive."""
    restore_images(root)
    work = ParsedWork()
    html = root.find(by_tag("html"))
    if html is not None:
        apply_language(work, html.attrs.get("lang", ""))
    preface = root.find(by_class("preface")) or root
    read_preface(preface, work)
    drafts = has_drafts(root)
    for section in root.find_all(by_class("chapter", "section")):
        chapter = read_chapter(section, work, drafts=drafts)
        if chapter is not None:
            work.chapters.append(chapter)
    end_notes = root.find(by_class("work-end-notes", "section"))
    work.end_notes = blockquote_html(end_notes)
    finish_work(work)
    return work


def parse_fragment(markup: str) -> Node:
    """Return the tree of an XHTML document inside an EPUB."""
    return parse_html(markup)
