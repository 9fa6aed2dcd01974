"""Import a plain-text story: header lines, author's notes, chapter headings, scene breaks.

A header block at the top (``Title:``, ``Author:``, ``Fandom:``, ``Rating:``,
``Characters:``, ``Pairing:``, ``Summary:``... one per line, any case) fills the work's
metadata. Paragraphs are separated by blank lines. Chapter headings are lines such as
``Chapter 1: Title``, ``Chapter Two - Title``, ``CHAPTER ONE``, ``Prologue``, ``Epilogue``,
or bare numerals (``I.``, ``II.``...) when they count up from one. Author's notes
(``A/N:``, ``Author's Note:``, ``Disclaimer:``, ``[A/N: ...]``) go where
:mod:`.structure` says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ficarchive.formats.importers.metadata import apply_field, header_line
from ficarchive.formats.importers.structure import (
    Block,
    StoryParts,
    assemble_work,
    bare_number_value,
    is_note,
    merge_bracketed_notes,
    parse_chapter_heading,
    strip_decoration,
)
from ficarchive.formats.parsed import ParsedWork
from ficarchive.text import RenderedText, normalize_text, render_text

_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*\n\s*")
_BY_LINE = re.compile(r"by[:\s]\s*(?P<author>.+)", re.IGNORECASE)
_CONTINUED_FIELDS = frozenset({"summary", "notes", "description", "blurb", "end notes"})


def _render_body(blocks: Sequence[Block]) -> RenderedText:
    return render_text("\n\n".join(block.source for block in blocks), "text")


def _joined_source(blocks: Sequence[Block]) -> str:
    return "\n\n".join(block.source for block in blocks)


def _render_notes_source(source: str) -> str:
    return render_text(source, "text", paragraph_ids=False).html


def _render_notes(blocks: Sequence[Block]) -> str:
    return _render_notes_source("\n\n".join(block.source for block in blocks))


def _lines(block: str) -> list[str]:
    return [line.strip() for line in block.split("\n") if line.strip()]


def _parse_header(blocks: list[list[str]], work: ParsedWork) -> int:
    """Apply the header block(s) at the top to ``work``; return the index of the first
    block after them."""
    values: dict[str, list[str]] = {}
    index = 0
    pending: str | None = None  # "Summary:" with its text in the next paragraph
    while index < len(blocks):
        lines = blocks[index]
        first = header_line(lines[0])
        if first is None:
            if pending and not is_note(lines[0]) and parse_chapter_heading(lines[0]) is None:
                values[pending].extend(lines)
                index += 1
            break
        key = first[0]
        for line in lines:
            parsed = header_line(line)
            if parsed is not None:
                key = parsed[0]
                values.setdefault(key, []).append(parsed[1])
            else:
                values[key].append(line)
        pending = key if key in _CONTINUED_FIELDS and not any(values[key]) else None
        index += 1
    for key, parts in values.items():
        value = "\n".join(part for part in parts if part)
        if value:
            apply_field(work, key, value, render_notes=_render_notes_source, source="header")
    if index == 0 and blocks:
        index = _parse_title_by_line(blocks, work)
    return index


def _parse_title_by_line(blocks: list[list[str]], work: ParsedWork) -> int:
    """Read a ``Title`` line followed by a ``by Author`` line at the top; return the index
    of the first block after them (0 when the file does not start that way)."""
    first = blocks[0]
    if len(first) == 2 and (match := _BY_LINE.fullmatch(first[1])):
        work.title, work.author = first[0], match.group("author").strip()
        return 1
    if len(first) == 1 and len(blocks) > 1 and len(blocks[1]) == 1:
        match = _BY_LINE.fullmatch(blocks[1][0])
        if match and len(first[0]) <= 200 and parse_chapter_heading(first[0]) is None:
            work.title, work.author = first[0], match.group("author").strip()
            return 2
    return 0


def _classify(blocks: list[list[str]]) -> list[Block]:
    """Return story blocks marked as chapter headings, notes or text."""
    out: list[Block] = []
    for lines in blocks:
        title = parse_chapter_heading(lines[0])
        if title is not None:
            out.append(Block(lines[0], "heading", title=title, heading=strip_decoration(lines[0])))
            lines = lines[1:]
            if not lines:
                continue
        kind = "note" if is_note(lines[0]) else "text"
        out.append(Block("\n".join(lines), kind))
    if not any(block.kind == "heading" for block in out):
        _mark_bare_number_headings(out)
    return merge_bracketed_notes(out)


def _mark_bare_number_headings(blocks: list[Block]) -> None:
    """Mark lines that are only ``I.``, ``II.``... (or ``1``, ``2``...) as chapter headings
    when they count up from one in order; a lone numeral stays text."""
    candidates = [
        (index, value)
        for index, block in enumerate(blocks)
        if block.kind == "text"
        and "\n" not in block.source
        and (value := bare_number_value(block.source)) is not None
    ]
    values = [value for _, value in candidates]
    if len(values) < 2 or values != list(range(1, len(values) + 1)):
        return
    for index, _ in candidates:
        block = blocks[index]
        blocks[index] = Block(block.source, "heading", title="", heading=block.source.strip())


def parse_plaintext(text: str) -> ParsedWork:
    """Return the work in a decoded plain-text file (encoding and title checks are the
    caller's job)."""
    work = ParsedWork()
    normalized = normalize_text(text)
    blocks = [lines for raw in _BLANK_LINES.split(normalized.strip()) if (lines := _lines(raw))]
    start = _parse_header(blocks, work) if blocks else 0
    parts = StoryParts(
        _classify(blocks[start:]),
        _render_body,
        _render_notes,
        source_format="text",
        body_source=_joined_source,
        notes_source=_joined_source,
    )
    assemble_work(work, parts)
    return work
