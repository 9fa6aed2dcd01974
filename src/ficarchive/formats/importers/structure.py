"""The shape of a story file: chapter headings, author's notes, and how they make chapters.

Both importers cut their file into blocks (paragraphs, or Markdown's top-level blocks), mark
each as a chapter heading, an author's note or story text, and hand them to
:func:`assemble_work`, which decides where notes belong:

- before the first chapter heading: the work's notes;
- right after a chapter heading, before its text: that chapter's notes;
- after a chapter's text: that chapter's end notes, or the work's end notes after the
  last chapter (and in a file without chapter headings).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ficarchive.formats.parsed import ParsedChapter, ParsedWork
from ficarchive.text import html_to_text, suggest_character_names
from ficarchive.text.render import RenderedText
from ficarchive.text.scenebreak import is_scene_break

MAX_HEADING_LENGTH = 120
# Characters of story text read for name suggestions; plenty for the frequent names.
MAX_NAME_SCAN = 1_000_000

_SMALL_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
)
_NUMBER_WORDS: dict[str, int] = {word: value for value, word in enumerate(_SMALL_NUMBERS.split())}
_TENS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_NUMBER_WORD = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s-]+(?:one|two|three|"
    r"four|five|six|seven|eight|nine))?|zero|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
)
_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})", re.I)
_DECORATION = " \t*_~=#"
_CHAPTER = re.compile(
    r"(?:chapter|chap\.?|ch\.?)\s*(?P<number>\d{1,4}|[ivxlcdm]{1,9}|" + _NUMBER_WORD + r")"
    r"(?:(?P<separator>\s*[:.|\-\u2013\u2014]+\s*|\s*(?=\()|\s+(?=[A-Z\"'\u201c\u2018]))"
    r"(?P<title>.*))?",
    re.IGNORECASE,
)
_NAMED_PART = re.compile(
    r"(?P<word>prologue|epilogue|interlude)(?:\s*[:.|\-\u2013\u2014]+\s*(?P<title>.*))?",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"(?P<number>\d{1,3}|[IVXLC]{1,7})\.?")

_NOTE_LABEL = re.compile(
    r"""\s*[\[(]?\s*(?:\*\*|__)?\s*(?:
        a\s*/\s*n\b\s*[:.\-\u2013\u2014]?
      | (?-i:AN)\s*[:\-\u2013\u2014]
      | (?:author(?:['\u2019]?s|s['\u2019]?)?\s*)?notes?\s*(?:\*\*|__)?\s*[:\-\u2013\u2014]
      | disclaimers?\s*(?:\*\*|__)?\s*[:\-\u2013\u2014]
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_CLOSING_BRACKET = {"[": "]", "(": ")"}
MAX_NOTE_CONTINUATION = 20
STRAY_TEXT_WARNING = (
    "Text before the first chapter heading was kept as the work's notes; if it is story "
    "text, move it into the first chapter."
)


def _number_value(number: str) -> int | None:
    """Return the value of ``12``, ``XII`` or ``twelve``, or None."""
    if number.isdigit():
        return int(number)
    lowered = " ".join(number.lower().replace("-", " ").split())
    if lowered in _NUMBER_WORDS:
        return _NUMBER_WORDS[lowered]
    parts = lowered.split()
    if parts and parts[0] in _TENS:
        if len(parts) == 1:
            return _TENS[parts[0]]
        if len(parts) == 2 and parts[1] in _NUMBER_WORDS:
            return _TENS[parts[0]] + _NUMBER_WORDS[parts[1]]
        return None
    if _ROMAN.fullmatch(number):
        return _roman_value(number.upper())
    return None


def _roman_value(numeral: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for index, char in enumerate(numeral):
        value = values[char]
        if index + 1 < len(numeral) and values[numeral[index + 1]] > value:
            total -= value
        else:
            total += value
    return total


def strip_decoration(line: str) -> str:
    """Return a heading line without decoration such as ``**``, ``~*~`` or ``===``."""
    return line.strip().strip(_DECORATION).strip()


def parse_chapter_heading(line: str) -> str | None:
    """Return the chapter title if ``line`` is a chapter heading, else None.

    ``Chapter 1: The Long Shift`` and ``Chapter Two - Pressure`` give ``The Long Shift`` and
    ``Pressure``; ``CHAPTER ONE`` and ``Chapter 12`` give ``""``; ``Prologue``, ``Epilogue``
    and ``Interlude`` (with or without a subtitle) give the line itself.
    """
    text = strip_decoration(line)
    if not text or len(text) > MAX_HEADING_LENGTH or "\n" in text:
        return None
    match = _CHAPTER.fullmatch(text)
    if match and _number_value(match.group("number")) is not None:
        title = (match.group("title") or "").strip()
        if title.startswith("(") and title.endswith(")"):
            title = title[1:-1].strip()
        separator = match.group("separator")
        # "Chapter 1 The Long Shift" has no separator: a sentence there is not a title.
        if separator and not separator.strip() and title[-1:] in (".", "!", "?") and " " in title:
            return None
        return strip_decoration(title)
    match = _NAMED_PART.fullmatch(text)
    if match:
        return text
    return None


def bare_number_value(line: str) -> int | None:
    """Return the number of a line that is only ``IV``, ``IV.``, ``4`` or ``4.``, or None."""
    match = _BARE_NUMBER.fullmatch(strip_decoration(line))
    if not match:
        return None
    return _number_value(match.group("number"))


def is_note(text: str) -> bool:
    """Return True if a paragraph starts with an author's-note label (A/N, Author's Note,
    Note, Disclaimer, [A/N: ...])."""
    return _NOTE_LABEL.match(text) is not None


def note_closing_bracket(text: str) -> str | None:
    """Return the bracket a bracketed note (``[A/N: ...``) must end with, when the paragraph
    does not end with it yet; else None."""
    stripped = text.strip()
    closing = _CLOSING_BRACKET.get(stripped[:1])
    if closing is None or stripped.endswith(closing):
        return None
    return closing


@dataclass
class Block:
    """One block of a story file: a heading, an author's note, or story text."""

    source: str
    kind: str = "text"  # "text", "note" or "heading"
    title: str = ""  # a heading's chapter title
    heading: str = ""  # a heading's line as written
    start: int = -1  # first line in the source, when the importer tracks lines
    end: int = -1  # the line after the block


@dataclass
class StoryParts:
    """A file cut into blocks, with the renderers for its format."""

    blocks: list[Block]
    render_body: Callable[[Sequence[Block]], RenderedText]
    render_notes: Callable[[Sequence[Block]], str]
    # For a format a writer edits ("text", "markdown"): the sources of a chapter's body and
    # of notes, kept beside the HTML so that editing shows what the writer wrote.
    source_format: str = ""
    body_source: Callable[[Sequence[Block]], str] | None = None
    notes_source: Callable[[Sequence[Block]], str] | None = None


def merge_bracketed_notes(blocks: list[Block]) -> list[Block]:
    """Return blocks where a ``[A/N: ...`` note that runs over several paragraphs up to its
    closing ``]`` is one note block."""
    merged: list[Block] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        closing = note_closing_bracket(block.source) if block.kind == "note" else None
        end: int | None = None
        if closing:
            for candidate in range(index + 1, min(len(blocks), index + 1 + MAX_NOTE_CONTINUATION)):
                if blocks[candidate].kind == "heading":
                    break
                if blocks[candidate].source.strip().endswith(closing):
                    end = candidate
                    break
        if end is None:
            merged.append(block)
            index += 1
        else:
            sources = [b.source for b in blocks[index : end + 1]]
            merged.append(Block("\n\n".join(sources), kind="note"))
            index = end + 1
    return merged


def _split_notes(blocks: list[Block]) -> tuple[list[Block], list[Block], list[Block]]:
    """Return (leading notes, story text, trailing notes) of a chapter's blocks."""
    start = 0
    while start < len(blocks) and blocks[start].kind == "note":
        start += 1
    end = len(blocks)
    while end > start and blocks[end - 1].kind == "note":
        end -= 1
    body = blocks[start:end]
    while body and _is_break_block(body[0]):
        body = body[1:]
    while body and _is_break_block(body[-1]):
        body = body[:-1]
    return blocks[:start], body, blocks[end:]


def _is_break_block(block: Block) -> bool:
    return block.kind == "text" and is_scene_break(block.source)


def _join_notes(existing: str, addition: str) -> str:
    if not existing:
        return addition
    if not addition:
        return existing
    return existing + "\n" + addition


@dataclass
class _Section:
    heading: Block | None
    blocks: list[Block] = field(default_factory=list)


def assemble_work(work: ParsedWork, parts: StoryParts) -> None:
    """Fill ``work``'s notes, end notes and chapters from the blocks of a file."""
    sections: list[_Section] = [_Section(None)]
    for block in parts.blocks:
        if block.kind == "heading":
            sections.append(_Section(block))
        else:
            sections[-1].blocks.append(block)
    preamble = sections[0]
    chapters = sections[1:]
    if not chapters:
        chapters = [_Section(None, preamble.blocks)]
    else:
        stray = [b for b in preamble.blocks if b.kind == "text" and not _is_break_block(b)]
        if stray:
            work.warnings.append(STRAY_TEXT_WARNING)
        notes = [b for b in preamble.blocks if not _is_break_block(b)]
        work.notes = _join_notes(work.notes, parts.render_notes(notes) if notes else "")
    for index, section in enumerate(chapters):
        last = index == len(chapters) - 1
        leading, body, trailing = _split_notes(section.blocks)
        if section.heading is None:  # the only chapter of a file without headings
            work.notes = _join_notes(work.notes, parts.render_notes(leading) if leading else "")
            leading = []
        trailing_html = parts.render_notes(trailing) if trailing else ""
        rendered = parts.render_body(body) if body else None
        if rendered is None or rendered.word_count == 0:
            _keep_notes_of_empty_chapter(work, section, leading, trailing, parts)
            continue
        chapter = ParsedChapter(
            title=section.heading.title if section.heading else "",
            notes=parts.render_notes(leading) if leading else "",
            html=rendered.html,
            word_count=rendered.word_count,
            paragraphs=rendered.paragraphs,
        )
        if parts.source_format and parts.body_source and parts.notes_source:
            chapter.source_format = parts.source_format
            chapter.source = parts.body_source(body)
            chapter.notes_source = parts.notes_source(leading) if leading else ""
        if last:
            work.end_notes = _join_notes(work.end_notes, trailing_html)
        else:
            chapter.end_notes = trailing_html
            if chapter.source_format and parts.notes_source and trailing:
                chapter.end_notes_source = parts.notes_source(trailing)
        work.chapters.append(chapter)
    work.suggested_characters = suggest_character_names(beginning_text(work.chapters))


def beginning_text(chapters: list[ParsedChapter]) -> str:
    """Return the plain text of the chapters, blank lines between, up to MAX_NAME_SCAN
    characters (the chapters past that are not made text at all)."""
    texts: list[str] = []
    length = 0  # of the texts so far, each with the two newlines that would follow it
    for chapter in chapters:
        if length - 2 >= MAX_NAME_SCAN:
            break
        texts.append(html_to_text(chapter.html, sanitized=True))
        length += len(texts[-1]) + 2
    return "\n\n".join(texts)[:MAX_NAME_SCAN]


def _keep_notes_of_empty_chapter(
    work: ParsedWork,
    section: _Section,
    leading: list[Block],
    trailing: list[Block],
    parts: StoryParts,
) -> None:
    """Report a chapter heading with no text under it; keep its notes with the previous
    chapter (or the work)."""
    if section.heading is not None:
        work.warnings.append(
            f"The heading “{section.heading.heading}” has no story text under it, so it was "
            "not made a chapter."
        )
    notes = leading + trailing
    if not notes:
        return
    html = parts.render_notes(notes)
    if work.chapters:
        work.chapters[-1].end_notes = _join_notes(work.chapters[-1].end_notes, html)
    else:
        work.notes = _join_notes(work.notes, html)
