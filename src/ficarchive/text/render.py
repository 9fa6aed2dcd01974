"""Render text, Markdown or editor HTML to sanitized HTML with paragraph anchors and counts.

Every format goes the same way: normalize -> convert to HTML -> sanitize -> paragraph ids
-> word count.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal, get_args

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ficarchive.text.htmlscan import (
    BLOCK_TAGS,
    PARAGRAPH_ELEMENT,
    html_to_text,
    number_paragraphs_and_count,
)
from ficarchive.text.normalize import (
    fix_apostrophes,
    normalize_text,
    normalize_whitespace_and_controls,
)
from ficarchive.text.sanitize import sanitize_html
from ficarchive.text.scenebreak import is_scene_break

TextFormat = Literal["html", "text", "markdown"]
TEXT_FORMATS: tuple[str, ...] = get_args(TextFormat)


@dataclass(frozen=True)
class RenderedText:
    """Sanitized HTML and what was counted in it."""

    html: str  # sanitized; paragraphs carry ids p1, p2... when paragraph_ids=True
    word_count: int
    paragraphs: int  # number of <p> elements carrying an id


_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*\n\s*")


# ---------------------------------------------------------------- plain text


def text_to_html(text: str) -> str:
    """Return HTML for normalized plain text: blank lines make paragraphs, a single newline
    a ``<br>``, a scene-break line an ``<hr>``; everything else is escaped."""
    out: list[str] = []
    for block in _BLANK_LINES.split(text.strip()):
        if "\n" not in block:  # the common one-line paragraph, without the loop below
            line = block.strip()
            if line:
                out.append(
                    "<hr>"
                    if is_scene_break(line)
                    else "<p>" + html.escape(line, quote=False) + "</p>"
                )
            continue
        lines: list[str] = []
        for raw_line in block.split("\n"):
            line = raw_line.strip()
            if not line:
                continue
            if is_scene_break(line):
                if lines:
                    out.append("<p>" + "<br>\n".join(lines) + "</p>")
                    lines = []
                out.append("<hr>")
            else:
                lines.append(html.escape(line, quote=False))
        if lines:
            out.append("<p>" + "<br>\n".join(lines) + "</p>")
    return "\n".join(out)


# ------------------------------------------------------------------ markdown


def _make_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "xhtmlOut": False})
    md.enable(["table", "strikethrough"])
    # Writers indent paragraphs; an indented paragraph is prose, not a code block.
    md.disable("code")
    return md


_MARKDOWN = _make_markdown()
# The same parser without the inline pass, for the block structure alone (markdown_blocks):
# inline tokens keep their source text, and nothing inside them is parsed.
_MARKDOWN_BLOCKS = _make_markdown()
_MARKDOWN_BLOCKS.core.ruler.disable(["inline", "text_join"])
_TILDE_FENCE = re.compile(r"^ {0,3}(~{3,})[ \t]*$")


def _unclosed_tilde_fences_to_breaks(text: str) -> str:
    """Return text where a lone ``~~~`` line with no closing fence after it is ``***``.

    ``~~~`` is a favourite scene break, but CommonMark reads it as a code fence that, left
    unclosed, swallows the rest of the story.
    """
    if "~~~" not in text:
        return text
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        match = _TILDE_FENCE.match(lines[index])
        if match:
            width = len(match.group(1))
            closing = next(
                (
                    later
                    for later in range(index + 1, len(lines))
                    if (m := _TILDE_FENCE.match(lines[later])) and len(m.group(1)) >= width
                ),
                None,
            )
            if closing is None:
                lines[index] = "***"
            else:
                index = closing
        index += 1
    return "\n".join(lines)


def _scene_breaks_to_hr(tokens: list[Token]) -> list[Token]:
    """Return tokens where paragraphs that are scene-break lines (and empty ``#`` headings)
    are replaced with horizontal rules."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if (
            token.type in ("paragraph_open", "heading_open")
            and index + 2 < len(tokens)
            and tokens[index + 1].type == "inline"
            and tokens[index + 2].type in ("paragraph_close", "heading_close")
        ):
            content = tokens[index + 1].content
            if (
                token.type == "paragraph_open" and "\n" not in content and is_scene_break(content)
            ) or (token.type == "heading_open" and token.tag == "h1" and not content.strip()):
                hr = Token("hr", "hr", 0, map=token.map, level=token.level, markup="***")
                hr.block = True
                out.append(hr)
                index += 3
                continue
        out.append(token)
        index += 1
    return out


# A run of more delimiters than any emphasis, strikethrough or link needs. markdown-it pairs
# each delimiter of a run (200,000 asterisks around one letter nest 100,000 elements deep)
# and tries a link label at each "[", so long runs are set aside as literal text.
MAX_DELIMITER_RUN = 15
_LONG_RUN = re.compile(r"([*_~\[\]])\1{" + str(MAX_DELIMITER_RUN) + ",}")
_RUN_ONLY_LINE = re.compile(r"[ \t]*([*_~])(?:[ \t]*\1)*[ \t]*")


def _free_markers(text: str) -> tuple[str, str] | None:
    """Return two private-use characters that do not occur in ``text`` (None if all do)."""
    for code in range(0xE000, 0xE0FF, 2):
        start, end = chr(code), chr(code + 1)
        if start not in text and end not in text:
            return start, end
    return None


def _set_aside_long_runs(text: str) -> tuple[str, list[str], tuple[str, str]]:
    """Return ``text`` with each long run of one delimiter character replaced by a marker,
    the runs in order, and the marker characters. A line that is only such a run (a
    thematic break or a fence) keeps it."""
    markers = _free_markers(text)
    if markers is None or _LONG_RUN.search(text) is None:
        return text, [], ("", "")
    start, end = markers
    runs: list[str] = []

    def replace(match: re.Match[str]) -> str:
        runs.append(match.group(0))
        return f"{start}{len(runs) - 1}{end}"

    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _LONG_RUN.search(line) and not _RUN_ONLY_LINE.fullmatch(line):
            lines[index] = _LONG_RUN.sub(replace, line)
    return "\n".join(lines), runs, markers


def _restore_long_runs(markup: str, runs: list[str], markers: tuple[str, str]) -> str:
    if not runs:
        return markup
    start, end = markers
    pattern = re.compile(f"{re.escape(start)}([0-9]+){re.escape(end)}")
    return pattern.sub(lambda match: runs[int(match.group(1))], markup)


# A line of a paragraph that Markdown leaves as it is: no character that starts inline
# markup, no block marker at its start, no leading or trailing space (a hard break).
_PLAIN_LINE = re.compile(
    r"(?![-+=#>|*_~<]|\d{1,9}[.)](?:[ \t]|$))(?!\s)[^*_~\[\]<>&\\`|\n]*(?<!\s)"
)
_BLOCK_SEPARATOR = re.compile(r"\n(?:[ \t]*\n)+")


def _is_plain_block(block: str) -> bool:
    return all(_PLAIN_LINE.fullmatch(line) for line in block.split("\n"))


def _plain_paragraph(block: str) -> str:
    if "\n" not in block and is_scene_break(block):
        return "<hr>\n"
    # markdown-it escapes &, <, > and "; a plain block has only the quote of those.
    return "<p>" + block.replace('"', "&quot;") + "</p>\n"


def _parse_and_render(text: str) -> str:
    env: dict[str, object] = {}
    tokens = _scene_breaks_to_hr(_MARKDOWN.parse(text, env))
    return str(_MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env))


def _render_markdown(text: str) -> str:
    """Return the HTML markdown-it makes of ``text``, writing paragraphs of plain prose
    directly (markdown-it spends tens of microseconds on each block, which adds up to
    seconds for a hundred thousand short paragraphs).

    Only where no construct reaches across a blank line: a document with code fences, raw
    HTML or link reference definitions is parsed whole."""
    if "```" in text or "~~~" in text or "<" in text or "]:" in text:
        return _parse_and_render(text)
    blocks = _BLOCK_SEPARATOR.split(text.strip("\n"))
    out: list[str] = []
    pending: list[str] = []  # consecutive blocks that need markdown-it
    for block in blocks:
        if block.strip() and _is_plain_block(block):
            if pending:
                out.append(_parse_and_render("\n\n".join(pending)))
                pending = []
            out.append(_plain_paragraph(block))
        else:
            pending.append(block)
    if pending:
        out.append(_parse_and_render("\n\n".join(pending)))
    return "".join(out)


def markdown_to_html(text: str) -> str:
    """Return HTML for normalized Markdown (CommonMark with tables and strikethrough; raw
    HTML passes through to be sanitized later; scene-break lines become ``<hr>``). Runs of
    more than MAX_DELIMITER_RUN of one delimiter (``*``, ``_``, ``~``, ``[``, ``]``) are
    literal text."""
    text = _unclosed_tilde_fences_to_breaks(text)
    text, runs, markers = _set_aside_long_runs(text)
    return _restore_long_runs(_render_markdown(text), runs, markers)


# ---------------------------------------------------------------------- html

_PIECES = re.compile(r"(<[^>]*>)")
_SANITIZED_TAG = re.compile(r"<(/?)([a-z][a-z0-9]*)[^>]*>")
_TAG_NAME = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
_VOID = frozenset({"br", "hr", "img", "col", "wbr"})
_WRAP_PASSES = 3
_CODE_TAGS = frozenset({"code", "pre"})


def _fix_text_nodes(markup: str) -> str:
    """Return sanitized markup with apostrophes fixed in its text, outside code and pre
    elements (where backticks may be meant)."""
    if "`" not in markup and "''" not in markup:
        return markup
    pieces = _PIECES.split(markup)
    code_depth = 0
    for index, piece in enumerate(pieces):
        if piece.startswith("<"):
            match = _SANITIZED_TAG.match(piece)
            if match and match.group(2) in _CODE_TAGS:
                code_depth = max(0, code_depth + (-1 if match.group(1) else 1))
        elif piece and not code_depth:
            pieces[index] = fix_apostrophes(piece)
    return "".join(pieces)


class _ParagraphBuilder:
    """Collects top-level inline content into paragraphs: a blank line or two line breaks
    end a paragraph; a single newline or ``<br>`` inside one is a ``<br>``."""

    def __init__(self) -> None:
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._breaks = 0
        self._space = False

    @property
    def collecting(self) -> bool:
        """True while a paragraph has content or is waiting to be written out."""
        return bool(self._current or self.paragraphs)

    def _content(self, markup: str) -> None:
        if self._current:
            if self._breaks >= 2:
                self.end()
            elif self._breaks == 1:
                self._current.append("<br>\n")
            elif self._space:
                self._current.append(" ")
        self._current.append(markup)
        self._breaks = 0
        self._space = False

    def text(self, text: str) -> None:
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if index:
                self._breaks += 1
            if line.strip():
                if line[:1].isspace():
                    self._space = True
                self._content(line.strip())
                if line[-1:].isspace():
                    self._space = True
            elif line:
                self._space = True

    def line_break(self) -> None:
        self._breaks += 1

    def element(self, markup: str) -> None:
        self._content(markup)

    def end(self) -> None:
        if self._current:
            self.paragraphs.append("<p>" + "".join(self._current) + "</p>")
        self._current = []
        self._breaks = 0
        self._space = False


def wrap_bare_inline_content(markup: str) -> str:
    """Return sanitized markup where text and inline elements that sit at the top level
    (outside any block element) are wrapped in paragraphs. Whitespace between top-level
    blocks is kept as it is."""
    out: list[str] = []
    builder = _ParagraphBuilder()
    inline: list[str] = []  # pieces of the top-level inline element being collected
    inline_holds_blocks = False
    block_depth = 0
    inline_depth = 0

    def flush() -> None:
        builder.end()
        if builder.paragraphs:
            out.append("\n".join(builder.paragraphs))
            builder.paragraphs = []

    def add_inline(element: str, holds_blocks: bool) -> None:
        if holds_blocks:
            # A paragraph cannot hold a block (the parser would close it early), so an
            # inline element with blocks inside (<span><p>...</p></span>) goes in a div.
            flush()
            out.append("<div>" + element + "</div>")
        else:
            builder.element(element)

    pieces = _PIECES.split(markup)
    if len(pieces) == 1 and not markup.strip():
        return markup
    for piece in pieces:
        if not piece:
            continue
        match = _TAG_NAME.match(piece) if piece.startswith("<") else None
        if block_depth:
            out.append(piece)
            if match and match.group(2).lower() in BLOCK_TAGS:
                name = match.group(2).lower()
                if name not in _VOID:
                    block_depth += -1 if match.group(1) else 1
            continue
        if inline_depth:
            inline.append(piece)
            if match and match.group(2).lower() not in _VOID:
                inline_depth += -1 if match.group(1) else 1
            if match and match.group(2).lower() in BLOCK_TAGS:
                inline_holds_blocks = True
            if inline_depth == 0:
                add_inline("".join(inline), inline_holds_blocks)
                inline = []
            continue
        if match is None:
            if piece.strip() or builder.collecting:
                builder.text(piece)
            else:
                out.append(piece)
            continue
        closing, name = bool(match.group(1)), match.group(2).lower()
        if name in BLOCK_TAGS:
            flush()
            out.append(piece)
            if not closing and name not in _VOID:
                block_depth = 1
        elif name == "br":
            builder.line_break()
        elif closing:
            continue  # a stray end tag; the sanitizer never leaves one
        elif name in _VOID:
            builder.element(piece)
        else:
            inline = [piece]
            inline_depth = 1
            inline_holds_blocks = False
    if inline:
        add_inline("".join(inline), inline_holds_blocks)
    flush()
    return "".join(out)


_PARAGRAPH_OR_RULE = re.compile(PARAGRAPH_ELEMENT.pattern + r"|<hr>")


def has_bare_inline_content(markup: str) -> bool:
    """Return True if sanitized markup has text or inline elements outside any block."""
    if not _PARAGRAPH_OR_RULE.sub("", markup).strip():
        return False  # nothing but paragraphs and rules (the common case, read in C)
    depth = 0
    position = 0
    for match in _SANITIZED_TAG.finditer(markup):
        name = match.group(2)
        if depth == 0:
            if name not in BLOCK_TAGS or markup[position : match.start()].strip():
                return True
            if not match.group(1) and name not in _VOID:
                depth = 1
        elif name in BLOCK_TAGS and name not in _VOID:
            depth += -1 if match.group(1) else 1
        position = match.end()
    return depth == 0 and bool(markup[position:].strip())


def _clean_blocks(markup: str, *, sanitized: bool = False, blocks_only: bool = False) -> str:
    """Return sanitized markup with no bare text or inline elements at the top level.

    ``sanitized`` says ``markup`` is sanitizer output already; ``blocks_only`` that it has
    nothing but blocks at the top level (the plain-text converter's output)."""
    cleaned = markup if sanitized else sanitize_html(markup)
    if blocks_only:
        return cleaned
    for _ in range(_WRAP_PASSES):
        if not has_bare_inline_content(cleaned):
            break
        wrapped = wrap_bare_inline_content(cleaned)
        if wrapped == cleaned:
            break
        cleaned = sanitize_html(wrapped)
    return cleaned


# -------------------------------------------------------------------- render


def render_text(source: str, fmt: TextFormat, *, paragraph_ids: bool = True) -> RenderedText:
    """Return ``source`` (plain text, Markdown or HTML) as sanitized HTML with counts.

    Raises ValueError for an unknown ``fmt``. With ``paragraph_ids`` (the default), each
    ``<p>`` with text gets ``id="pN"``; otherwise paragraph ids are removed.
    """
    if fmt == "text":
        converted = _clean_blocks(text_to_html(normalize_text(source)), blocks_only=True)
    elif fmt == "markdown":
        cleaned = sanitize_html(markdown_to_html(normalize_text(source, markdown=True)))
        fixed = _fix_text_nodes(cleaned)
        converted = _clean_blocks(fixed, sanitized=fixed is cleaned)
    elif fmt == "html":
        cleaned = sanitize_html(normalize_whitespace_and_controls(source))
        fixed = _fix_text_nodes(cleaned)
        converted = _clean_blocks(fixed, sanitized=fixed is cleaned)
    else:
        raise ValueError(f"Unknown text format {fmt!r}: use one of {', '.join(TEXT_FORMATS)}.")
    if not converted.strip():
        return RenderedText(html="", word_count=0, paragraphs=0)
    result = number_paragraphs_and_count(converted, paragraph_ids=paragraph_ids)
    return RenderedText(
        html=result.html, word_count=result.word_count, paragraphs=result.paragraphs
    )


# ------------------------------------------------------- markdown structure


@dataclass(frozen=True)
class MarkdownBlock:
    """A top-level block of a Markdown document, as the renderer sees it."""

    kind: str  # "paragraph", "heading", "hr", "blockquote", "bullet_list", "fence", ...
    tag: str  # "p", "h1", "hr", ...
    start: int  # first line, counting from 0
    end: int  # the line after the block's last line
    content: str  # the inline source of a paragraph or heading, else ""


def markdown_blocks(text: str) -> list[MarkdownBlock]:
    """Return the top-level blocks of normalized Markdown ``text`` with their line ranges
    (for importers that split a document at headings)."""
    text = _unclosed_tilde_fences_to_breaks(text)
    text, runs, markers = _set_aside_long_runs(text)
    tokens = _MARKDOWN_BLOCKS.parse(text, {})
    blocks: list[MarkdownBlock] = []
    for index, token in enumerate(tokens):
        if token.level != 0 or token.nesting == -1 or token.map is None:
            continue
        content = ""
        if token.type in ("paragraph_open", "heading_open") and index + 1 < len(tokens):
            content = _restore_long_runs(tokens[index + 1].content, runs, markers)
        kind = token.type.removesuffix("_open")
        if kind == "heading" and not content.strip():
            kind = "hr"  # a lone "#" is a scene break
        blocks.append(MarkdownBlock(kind, token.tag, token.map[0], token.map[1], content))
    return blocks


def markdown_inline_text(source: str) -> str:
    """Return the plain text of one line of inline Markdown (a heading's content)."""
    return " ".join(html_to_text(sanitize_html(_MARKDOWN.renderInline(source))).split())
