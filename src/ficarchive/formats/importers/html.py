"""Import an HTML story: paragraphs, emphasis, scene breaks, headings as chapters.

The document is read into a tree (:mod:`.htmltree`) and cut into top-level blocks: block
elements (``p``, headings, ``blockquote``, lists, tables, ``hr``) and runs of loose inline
content, looking through wrapper elements (``div``, ``section``, ``article``...). Each block
is a chapter heading, an author's note or story text, and :func:`.structure.assemble_work`
puts notes where they belong, exactly as for plain text and Markdown.

- **Chapters**: the first heading level with two or more headings (or one that reads
  ``Chapter 1``...) splits chapters; a lone heading of a higher level at the top is the
  work's title. Without headings, paragraphs that read like chapter headings
  (``<p><b>Chapter 2: Fog</b></p>``) split chapters.
- **Scene breaks**: ``<hr>``, and paragraphs that are only break symbols (``* * *``,
  ``~*~``, ``o0o``; see :mod:`ficarchive.text.scenebreak`), centered or not.
- **Metadata**: ``<title>``, ``<html lang>``, ``<meta name="author">``, and ``Title:``,
  ``Rating:``... lines at the top, as in plain text.

Files exported by this archive (HTML or EPUB) carry their metadata in a known shape and
are read by :mod:`.native` instead. Everything goes through the text pipeline's sanitizer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ficarchive.formats.importers import native
from ficarchive.formats.importers.common import (
    apply_language,
    render_html_body,
    render_html_notes,
)
from ficarchive.formats.importers.htmltree import (
    Node,
    by_tag,
    inner_html,
    lines_of,
    outer_html,
    parse_html,
    text_of,
)
from ficarchive.formats.importers.metadata import apply_field, header_line
from ficarchive.formats.importers.structure import (
    Block,
    StoryParts,
    assemble_work,
    is_note,
    parse_chapter_heading,
)
from ficarchive.formats.parsed import ParsedWork
from ficarchive.text import RenderedText
from ficarchive.text.align import alignment_class
from ficarchive.text.scenebreak import is_scene_break

BLOCK_TAGS: frozenset[str] = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "dl", "table", "pre",
     "hr", "figure", "details", "address"}
)  # fmt: skip
# Wrappers looked through to find the blocks inside.
CONTAINER_TAGS: frozenset[str] = frozenset(
    {"#document", "html", "body", "div", "section", "article", "main", "header", "footer",
     "center", "aside", "font", "span", "form", "fieldset"}
)  # fmt: skip
# Never story text: navigation, the head, metadata.
SKIPPED_TAGS: frozenset[str] = frozenset({"head", "nav", "title", "meta", "link", "base"})
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# FanFicFare wraps an author's note, its label and its text, in one of these.
NOTES_CLASS = "fff_chapter_notes"
# A paragraph that is only a note's label ("Notes:", "A/N:"), its text in the next block.
_LABEL_ONLY = re.compile(
    r"[\[(]?\s*(?:(?:chapter|end|author'?s?)\s+)*(?:notes?|a\s*/\s*n|disclaimer)\s*[:.\-]?\s*",
    re.IGNORECASE,
)
MAX_HEADING_TEXT = 200
_BY_LINE = re.compile(r"by[:\s]\s*(?P<author>.+)", re.IGNORECASE)


def _has_block(node: Node) -> bool:
    return any(
        element is not node and (element.tag in BLOCK_TAGS or element.tag in CONTAINER_TAGS)
        for element in node.iter()
    )


def _meaningful(nodes: Sequence[Node | str]) -> bool:
    for node in nodes:
        if isinstance(node, str):
            if node.strip():
                return True
        elif node.tag == "img" or text_of(node) or node.find(by_tag("img")):
            return True
    return False


def _alignment(node: Node) -> str:
    """Return the alignment a wrapper gives the blocks inside it ("center", "right",
    "justify"; "" for none), as :mod:`ficarchive.text.align` reads it."""
    if node.tag == "center":
        return "center"
    return alignment_class(node.attrs).removeprefix("align-")


def flatten_blocks(node: Node, out: list[Node] | None = None) -> list[Node]:
    """Return the top-level blocks of ``node``: block elements, and runs of loose inline
    content as ``#run`` nodes, looking through wrapper elements. A block inside an aligned
    wrapper (``<div align="right">``, ``<center>``) takes the wrapper's alignment unless
    it has its own."""
    blocks: list[Node] = [] if out is None else out
    run: list[Node | str] = []

    def aligned(block: Node, align: str) -> Node:
        if align and not _alignment(block):
            block.attrs["align"] = align
        return block

    def flush(align: str) -> None:
        if _meaningful(run):
            blocks.append(aligned(Node("#run", children=list(run)), align))
        run.clear()

    stack: list[tuple[Node, int, str]] = [(node, 0, _alignment(node))]
    # Iterative walk (documents nest wrappers deeply) in document order.
    while stack:
        current, index, align = stack.pop()
        if index >= len(current.children):
            if current.tag != "span":
                flush(align)
            continue
        stack.append((current, index + 1, align))
        child = current.children[index]
        if isinstance(child, str):
            run.append(child)
        elif child.tag in SKIPPED_TAGS:
            continue
        elif child.tag in BLOCK_TAGS or NOTES_CLASS in child.classes:
            flush(align)
            blocks.append(aligned(child, align))
        elif child.tag in CONTAINER_TAGS and _has_block(child):
            flush(align)
            stack.append((child, 0, _alignment(child) or align))
        elif child.tag in CONTAINER_TAGS and child.tag not in ("span", "font"):
            flush(align)
            if _meaningful([child]):
                blocks.append(aligned(child, align))
        else:
            run.append(child)
    flush("")
    return blocks


def _source(block: Node) -> str:
    if block.tag != "#run":
        return outer_html(block)
    if block.attrs.get("align"):  # loose text in an aligned wrapper keeps its alignment
        return f'<div align="{block.attrs["align"]}">{inner_html(block)}</div>'
    return inner_html(block)


def _classify(node: Node) -> Block | None:
    """Return the Block for one top-level element (None for an empty one). Headings come
    back with kind ``h1``...``h6`` for :func:`_choose_chapters` to decide."""
    if node.tag == "hr":
        return Block("<hr>", "text")
    text = text_of(node)
    if not text and not node.find(by_tag("img")):
        return None
    if node.tag in HEADINGS:
        return Block(_source(node), node.tag, heading=text[:MAX_HEADING_TEXT])
    if NOTES_CLASS in node.classes:
        return Block(_source(node), "note", heading=text)
    if node.tag in ("p", "div", "#run", "center") and is_scene_break(text):
        return Block("<hr>", "text")
    if (
        node.tag in ("p", "div", "#run", "center")
        and parse_chapter_heading(text) is not None
        and len(lines_of(node)) == 1  # after the cheaper test: few paragraphs are headings
    ):
        return Block(_source(node), "pheading", heading=text)
    if is_note(text):
        return Block(_source(node), "note", heading=text)
    return Block(_source(node), "text", heading=text)


def _chapter_title(text: str) -> str:
    title = parse_chapter_heading(text)
    return text if title is None else title


def _choose_chapters(blocks: list[Block], work: ParsedWork) -> list[Block]:
    """Return blocks with the chapter headings marked ``heading`` and other headings turned
    into text; a lone heading at the top becomes the work's title."""
    by_level: dict[str, list[int]] = {}
    for index, block in enumerate(blocks):
        if block.kind in HEADINGS:
            by_level.setdefault(block.kind, []).append(index)
    split: str | None = None
    title_index: int | None = None
    for level in HEADINGS:
        found = by_level.get(level, [])
        if len(found) >= 2 or (
            found and parse_chapter_heading(blocks[found[0]].heading) is not None
        ):
            split = level
            break
        if found and title_index is None:
            before = blocks[: found[0]]
            if all(block.kind != "text" or header_line(block.heading) for block in before):
                title_index = found[0]
    out: list[Block] = []
    for index, block in enumerate(blocks):
        if index == title_index:
            if not work.title:
                work.title = block.heading
            continue
        if block.kind == split or (split is None and block.kind == "pheading"):
            out.append(
                Block(block.source, "heading", title=_chapter_title(block.heading),
                      heading=block.heading)
            )  # fmt: skip
        elif block.kind in HEADINGS or block.kind == "pheading":
            out.append(Block(block.source, "text", heading=block.heading))
        else:
            out.append(block)
    return out


def _read_preamble_metadata(blocks: list[Block], work: ParsedWork) -> list[Block]:
    """Apply ``Title:``/``Rating:`` lines and a ``by Author`` line at the top; return the
    remaining blocks."""
    start = 0
    for block in blocks:
        if block.kind != "text" or block.source == "<hr>":
            break
        lines = lines_of(parse_html(block.source))
        if len(lines) == 1 and (match := _BY_LINE.fullmatch(lines[0])) and not work.author:
            work.author = match.group("author").strip()
            start += 1
            continue
        pairs = [header_line(line) for line in lines]
        if not lines or any(pair is None for pair in pairs):
            break
        for pair in pairs:
            if pair is not None:
                apply_field(work, pair[0], pair[1], render_notes=render_html_notes, source="file")
        start += 1
    return blocks[start:]


def _render_body(blocks: Sequence[Block]) -> RenderedText:
    return render_html_body("\n".join(block.source for block in blocks))


def _render_notes(blocks: Sequence[Block]) -> str:
    return render_html_notes("\n".join(block.source for block in blocks))


def _join_labels(blocks: list[Block]) -> list[Block]:
    """Return blocks where a note's lone label ("Notes:", "Author's Note:") and the block
    after it (the note's text, often a block quote) are one note."""
    joined: list[Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.kind in ("note", "text")
            and _LABEL_ONLY.fullmatch(previous.heading)
            and block.kind == "text"
            and block.source != "<hr>"
        ):
            joined[-1] = Block(
                previous.source + "\n" + block.source, "note", heading=previous.heading
            )
        else:
            joined.append(block)
    return joined


def parse_story_blocks(body: Node, work: ParsedWork) -> None:
    """Fill ``work``'s notes, chapters and end notes from the blocks of ``body``."""
    blocks = [block for node in flatten_blocks(body) if (block := _classify(node)) is not None]
    blocks = _join_labels(blocks)
    blocks = _read_preamble_metadata(blocks, work)
    blocks = _choose_chapters(blocks, work)
    assemble_work(work, StoryParts(blocks, _render_body, _render_notes))


def read_head(root: Node, work: ParsedWork) -> None:
    """Apply what the document's ``<html>`` and ``<head>`` say: language, title, author."""
    html = root.find(by_tag("html"))
    if html is not None:
        apply_language(work, html.attrs.get("lang") or html.attrs.get("xml:lang", ""))
    for meta in root.find_all(by_tag("meta")):
        name = meta.attrs.get("name", "").lower()
        content = " ".join(meta.attrs.get("content", "").split())
        if name in ("author", "dc.creator") and content and not work.author:
            work.author = content[:200]


def document_title(root: Node) -> str:
    """Return the text of the document's ``<title>``, or ""."""
    title = root.find(by_tag("title"))
    return text_of(title)[:MAX_HEADING_TEXT] if title is not None else ""


def parse_html_document(text: str) -> ParsedWork:
    """Return the work in a decoded HTML file (encoding and title checks are the caller's)."""
    root = parse_html(text)
    if native.is_native(root):
        return native.parse_native_html(root)
    work = ParsedWork()
    read_head(root, work)
    body = root.find(by_tag("body")) or root
    parse_story_blocks(body, work)
    if not work.title:
        work.title = document_title(root)
    return work
