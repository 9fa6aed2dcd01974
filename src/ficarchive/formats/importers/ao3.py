"""Import the HTML download of a work from the Archive of Our Own (AO3).

The file has three parts (otwarchive's ``downloads/`` templates):

- ``<div id="preface">``: ``<div class="meta">`` with ``<dl class="tags">`` (``Rating:``,
  ``Archive Warning(s):``, ``Category:``, ``Fandom(s):``, ``Relationship(s):``,
  ``Character(s):``, ``Additional Tags:``, ``Language:``, ``Series:``, ``Stats:``, each
  ``<dt>`` followed by a ``<dd>`` of links), the title in ``<h1>``, ``<div class="byline">``,
  then ``<p>Summary</p>`` and ``<p>Notes</p>`` each followed by a
  ``<blockquote class="userstuff">``;
- ``<div id="chapters">``: for a work of several chapters, per chapter a ``<div
  class="meta group">`` (``<h2 class="heading">Chapter 2: Title</h2>``, ``Chapter
  Summary``/``Chapter Notes`` blockquotes), the text in ``<div class="userstuff">``, and a
  ``<div class="meta" id="endnotes2">`` with the chapter's end notes; a one-chapter work has
  only the ``userstuff`` div;
- ``<div id="afterword">``: the work's end notes in ``<div id="endnotes">``.
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
    by_id,
    by_tag,
    inner_html,
    parse_html,
    text_of,
)
from ficarchive.formats.importers.native import apply_metadata_list
from ficarchive.formats.importers.structure import parse_chapter_heading
from ficarchive.formats.parsed import ParsedChapter, ParsedWork

_AO3_MARKERS = re.compile(
    rb"""id=["']preface["']|id=["']chapters["']|class=["']tags["']|Archive of Our Own""",
    re.IGNORECASE,
)
_SITE_SUFFIX = re.compile(r"\s*\[Archive of Our Own\]\s*$", re.IGNORECASE)


def looks_like_ao3(data: bytes) -> bool:
    """Return True when HTML ``data`` has the markers of an AO3 download."""
    head = data[: 2 * 1024 * 1024]
    found = {match.group().lower() for match in _AO3_MARKERS.finditer(head)}
    return any(b"preface" in marker for marker in found) and len(found) >= 2


def _labelled_quotes(container: Node) -> dict[str, Node]:
    """Return the blockquotes that follow ``<p>Label</p>`` paragraphs, by lower-case label."""
    quotes: dict[str, Node] = {}
    label: str | None = None
    for child in container.elements():
        if child.tag == "p":
            label = text_of(child).rstrip(":").lower()
        elif child.tag == "blockquote" and label is not None:
            quotes.setdefault(label, child)
            label = None
    return quotes


def _quote_html(quotes: dict[str, Node], *labels: str) -> str:
    for label in labels:
        if label in quotes:
            return render_html_notes(inner_html(quotes[label]))
    return ""


def _chapter_title(heading: str) -> str:
    title = parse_chapter_heading(heading)
    return heading if title is None else title


def _read_preface(preface: Node, work: ParsedWork) -> None:
    meta = preface.find(by_class("meta")) or preface
    tags = meta.find(by_class("tags", "dl")) or meta.find(by_tag("dl"))
    if tags is not None:
        apply_metadata_list(tags, work)
    title = meta.find(by_tag("h1"))
    if title is not None:
        work.title = text_of(title)
    else:
        message = preface.find(by_class("message"))
        bold = message.find(by_tag("b")) if message is not None else None
        if bold is not None:
            work.title = text_of(bold)
    byline = meta.find(by_class("byline"))
    if byline is not None:
        work.author = text_of(byline).removeprefix("by ").strip()
    quotes = _labelled_quotes(meta)
    work.summary = _quote_html(quotes, "summary")
    work.notes = _quote_html(quotes, "notes")


def _chapter_from(
    heading: Node | None, quotes: dict[str, Node], text: Node, end_notes: str, work: ParsedWork
) -> None:
    rendered = render_html_body(inner_html(text))
    title = _chapter_title(text_of(heading)) if heading is not None else ""
    if rendered.word_count == 0:
        work.warnings.append(
            f"The chapter “{text_of(heading) if heading is not None else 'without a title'}” "
            "has no text, so it was not imported."
        )
        return
    work.chapters.append(
        ParsedChapter(
            title=title,
            summary=_quote_html(quotes, "chapter summary", "summary"),
            notes=_quote_html(quotes, "chapter notes", "notes"),
            end_notes=end_notes,
            html=rendered.html,
            word_count=rendered.word_count,
            paragraphs=rendered.paragraphs,
        )
    )


def _continue_chapter(chapter: ParsedChapter, text: Node | None, end_notes: str) -> None:
    """Add the rest of a chapter that calibre split into another file to ``chapter``."""
    if text is not None:
        rendered = render_html_body(chapter.html + "\n" + inner_html(text))
        chapter.html, chapter.word_count = rendered.html, rendered.word_count
        chapter.paragraphs = rendered.paragraphs
    if end_notes:
        chapter.end_notes = "\n".join(filter(None, [chapter.end_notes, end_notes]))


def read_chapters_into(chapters: Node, work: ParsedWork, *, continues: bool = False) -> None:
    """Add the chapters in an AO3 download's ``#chapters`` (or an EPUB chapter file's body)
    to ``work``. With ``continues`` (a file of an EPUB after the first), text and end notes
    before the file's first chapter heading finish the previous file's last chapter: calibre
    splits long files wherever it likes."""
    heading: Node | None = None
    quotes: dict[str, Node] = {}
    text: Node | None = None
    end_notes = ""
    opening = continues  # still before this file's first chapter heading

    def flush() -> None:
        nonlocal heading, quotes, text, end_notes, opening
        if opening and heading is None and work.chapters and (text is not None or end_notes):
            _continue_chapter(work.chapters[-1], text, end_notes)
        elif text is not None:
            _chapter_from(heading, quotes, text, end_notes, work)
        heading, quotes, text, end_notes = None, {}, None, ""
        opening = False

    for child in chapters.elements():
        classes = child.classes
        if child.tag == "div" and "meta" in classes:
            if child.attrs.get("id", "").startswith("endnotes"):
                end_notes = _quote_html(_labelled_quotes(child), "chapter end notes", "end notes")
                continue
            flush()
            heading = child.find(by_tag("h2", "h3"))
            quotes = _labelled_quotes(child)
        elif child.tag == "div" and ("userstuff" in classes or "chapter" in classes):
            if text is not None:
                flush()
            text = child
    flush()
    if not work.chapters and chapters.find(by_tag("p")) is not None:
        # A one-chapter download whose text sits right in #chapters.
        _chapter_from(None, {}, chapters, "", work)


def read_preface_into(root: Node, work: ParsedWork) -> None:
    """Apply the ``#preface`` of an AO3 download (HTML, or a file of its EPUB) to ``work``."""
    preface = root.find(by_id("preface"))
    if preface is not None:
        _read_preface(preface, work)


def read_afterword_into(root: Node, work: ParsedWork) -> None:
    """Apply the ``#afterword`` (the work's end notes) of an AO3 download to ``work``."""
    afterword = root.find(by_id("afterword"))
    end = afterword.find(by_id("endnotes")) if afterword is not None else None
    if end is not None:
        work.end_notes = _quote_html(_labelled_quotes(end), "end notes")


def series_warnings(work: ParsedWork) -> None:
    """Tell the writer about the series the file names (the archive does not guess them)."""
    for series in work.series:
        part = f"part {series.part} of " if series.part else "part of "
        work.warnings.append(
            f"The file says this work is {part}the series “{series.title}”: add it to the "
            "series on the site after importing."
        )


def parse_ao3(text: str) -> ParsedWork:
    """Return the work in a decoded AO3 HTML download."""
    root = parse_html(text)
    work = ParsedWork()
    html = root.find(by_tag("html"))
    if html is not None:
        apply_language(work, html.attrs.get("lang", ""))
    read_preface_into(root, work)
    if not work.title:
        title = root.find(by_tag("title"))
        if title is not None:
            work.title = _SITE_SUFFIX.sub("", text_of(title)).split(" - ")[0].strip()
    chapters = root.find(by_id("chapters"))
    if chapters is not None:
        read_chapters_into(chapters, work)
    read_afterword_into(root, work)
    series_warnings(work)
    finish_work(work)
    return work
