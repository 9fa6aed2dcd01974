"""Import a Markdown story, with or without YAML front matter.

Front matter (between ``---`` lines at the very top) may give title, author, fandom(s),
rating, warnings, category, characters, relationships, tags, language, summary and notes
(Markdown), end_notes and complete. Chapters are split at headings:

- two or more ``#`` headings: each starts a chapter (``# Chapter 1: Lamp Oil`` gives the
  title ``Lamp Oil``, ``# Fog`` gives ``Fog``);
- one ``#`` heading followed by ``##`` headings: the ``#`` heading is the work's title and
  the ``##`` headings start chapters;
- one ``#`` heading that reads like a chapter heading starts the only chapter; any other
  lone ``#`` heading at the top is the work's title;
- otherwise the whole document is one chapter.

``---`` inside a chapter is a scene break. Paragraphs labelled as author's notes go where
:mod:`.structure` says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import yaml

from ficarchive.formats.importers.base import ImportRejected
from ficarchive.formats.importers.metadata import apply_field, header_line, quote
from ficarchive.formats.importers.structure import (
    Block,
    StoryParts,
    assemble_work,
    is_note,
    parse_chapter_heading,
)
from ficarchive.formats.parsed import ParsedWork
from ficarchive.text import RenderedText, normalize_text, render_text
from ficarchive.text.render import MarkdownBlock, markdown_blocks, markdown_inline_text

MAX_FRONT_MATTER_LINES = 500
_BY_LINE = re.compile(r"by[:\s]\s*(?P<author>.+)", re.IGNORECASE)


def _load_yaml(source: str) -> object:
    """Return the data in a YAML document, read with a safe loader (libyaml's if built)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(source, Loader=loader)  # noqa: S506 (a safe loader)


def _render_markdown_notes(source: str) -> str:
    return render_text(source, "markdown", paragraph_ids=False).html


def split_front_matter(text: str) -> tuple[dict[str, object] | None, str]:
    """Return (front matter, the rest of the text) for normalized Markdown; the front
    matter is None when the text has none.

    Raises ImportRejected when the front matter is not valid YAML.
    """
    if not text.startswith("---"):
        return None, text
    lines = text.split("\n", MAX_FRONT_MATTER_LINES + 2)
    if lines[0].rstrip() != "---":
        return None, text
    closing = next(
        (
            index
            for index in range(1, min(len(lines), MAX_FRONT_MATTER_LINES + 1))
            if lines[index].rstrip() in ("---", "...")
        ),
        None,
    )
    if closing is None:
        return None, text
    source = "\n".join(lines[1:closing])
    try:
        data = _load_yaml(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        problem = getattr(error, "problem", None) or "it is not valid YAML"
        raise ImportRejected(
            f"The front matter at the top of the file (between the --- lines) could not be "
            f"read{where}: {problem}. Fix it, or remove it and fill in the work's details "
            "after importing."
        ) from None
    except Exception:  # deep nesting (RecursionError) and other loader failures
        raise ImportRejected(
            "The front matter at the top of the file (between the --- lines) could not be "
            "read. Fix it, or remove it and fill in the work's details after importing."
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, text
    rest = "\n".join(lines[closing + 1 :])
    # Only plain keys: a YAML key may be any structure, even an exponentially aliased one.
    scalar_keys = (str, int, float, bool)
    return {str(k): v for k, v in data.items() if isinstance(k, scalar_keys)}, rest


def _apply_front_matter(work: ParsedWork, front_matter: dict[str, object]) -> None:
    ignored: list[str] = []
    for key, value in front_matter.items():
        if not apply_field(
            work, key, value, render_notes=_render_markdown_notes, source="front matter"
        ):
            ignored.append(quote(key, 40))
    if ignored:
        work.warnings.append(
            f"Ignored front matter keys the archive does not use: {', '.join(ignored)}."
        )


def _heading_text(block: MarkdownBlock) -> str:
    return markdown_inline_text(block.content)


def _is_heading(block: MarkdownBlock, tag: str) -> bool:
    return block.kind == "heading" and block.tag == tag


def _chapter_structure(
    blocks: list[MarkdownBlock], work: ParsedWork
) -> tuple[str | None, int | None]:
    """Return (the heading tag that starts chapters or None, the index of the block that
    is the work's title or None); sets the work's title from the document if needed."""
    h1 = [index for index, block in enumerate(blocks) if _is_heading(block, "h1")]
    h2 = [index for index, block in enumerate(blocks) if _is_heading(block, "h2")]

    def chapter_like(index: int) -> bool:
        return parse_chapter_heading(_heading_text(blocks[index])) is not None

    if len(h1) >= 2:
        return "h1", None
    if len(h1) == 1:
        only = h1[0]
        later_h2 = [index for index in h2 if index > only]
        if chapter_like(only):
            return "h1", None
        split = "h2" if later_h2 and (len(later_h2) >= 2 or chapter_like(later_h2[0])) else None
        at_top = all(
            blocks[index].kind != "paragraph" or is_note(blocks[index].content)
            for index in range(only)
        )
        title = _heading_text(blocks[only])
        if split or at_top:
            if not work.title:
                work.title = title
                return split, only
            if work.title.casefold() == title.casefold():
                return split, only
        return split, None
    if len(h2) >= 2 or (h2 and chapter_like(h2[0])):
        return "h2", None
    return None, None


def _read_preamble_metadata(blocks: list[Block], work: ParsedWork) -> list[Block]:
    """Apply ``by Author`` and ``Key: value`` paragraphs before the first chapter; return
    the other blocks."""
    kept: list[Block] = []
    for position, block in enumerate(blocks):
        if block.kind == "heading":
            kept.extend(blocks[position:])
            break
        lines = [line.strip() for line in block.source.split("\n") if line.strip()]
        if block.kind == "text" and len(lines) == 1 and (match := _BY_LINE.fullmatch(lines[0])):
            if not work.author:
                work.author = match.group("author").strip()
            continue
        pairs = [header_line(line) for line in lines]
        if block.kind == "text" and lines and all(pair is not None for pair in pairs):
            for pair in pairs:
                if pair is not None:
                    apply_field(
                        work,
                        pair[0],
                        pair[1],
                        render_notes=_render_markdown_notes,
                        source="file",
                    )
            continue
        kept.append(block)
    return kept


def parse_markdown(text: str) -> ParsedWork:
    """Return the work in a decoded Markdown file (encoding and title checks are the
    caller's job). Raises ImportRejected for unreadable front matter."""
    work = ParsedWork()
    normalized = normalize_text(text, markdown=True)
    front_matter, body = split_front_matter(normalized)
    if front_matter:
        _apply_front_matter(work, front_matter)
    lines = body.split("\n")
    found = markdown_blocks(body)
    split_tag, title_index = _chapter_structure(found, work)
    blocks: list[Block] = []
    for index, block in enumerate(found):
        if index == title_index:
            continue
        source = "\n".join(lines[block.start : block.end])
        if split_tag is not None and _is_heading(block, split_tag):
            heading = _heading_text(block)
            title = parse_chapter_heading(heading)
            blocks.append(
                Block(
                    source,
                    "heading",
                    title=heading if title is None else title,
                    heading=heading,
                    start=block.start,
                    end=block.end,
                )
            )
        elif block.kind == "paragraph" and is_note(block.content):
            blocks.append(Block(source, "note", start=block.start, end=block.end))
        else:
            blocks.append(Block(source, "text", start=block.start, end=block.end))
    if split_tag is not None:
        blocks = _read_preamble_metadata(blocks, work)

    def render_body(chapter: Sequence[Block]) -> RenderedText:
        # The lines from the first block to the last, so that link definitions stay.
        return render_text("\n".join(lines[chapter[0].start : chapter[-1].end]), "markdown")

    def render_notes(notes: Sequence[Block]) -> str:
        return _render_markdown_notes("\n\n".join(block.source for block in notes))

    def body_source(chapter: Sequence[Block]) -> str:
        return "\n".join(lines[chapter[0].start : chapter[-1].end]).strip("\n")

    def notes_source(notes: Sequence[Block]) -> str:
        return "\n\n".join(block.source for block in notes)

    assemble_work(
        work,
        StoryParts(
            blocks,
            render_body,
            render_notes,
            source_format="markdown",
            body_source=body_source,
            notes_source=notes_source,
        ),
    )
    return work
