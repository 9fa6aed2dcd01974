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

from ficarchive.text.htmlscan import BLOCK_TAGS, number_paragraphs_and_count
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
            if (token.type == "paragraph_open" and "\n" not in content and is_scene_break(content)) or (
                token.type == "heading_open" and token.tag == "h1" and not content.strip()
            ):
                hr = Token("hr", "hr", 0, map=token.map, level=token.level, markup="***")
                hr.block = True
                out.append(hr)
                index += 3
                continue
        out.append(token)
        index += 1
    return out


def markdown_to_html(text: str) -> str:
    """Return HTML for normalized Markdown (CommonMark with tables and strikethrough; raw
    HTML passes through to be sanitized later; scene-break lines become ``<hr>``)."""
    text = _unclosed_tilde_fences_to_breaks(text)
    env: dict[str, object] = {}
    tokens = _scene_breaks_to_hr(_MARKDOWN.parse(text, env))
    return _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env)


# ---------------------------------------------------------------------- html

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>")
_BR = re.compile(r"<br>")
_BREAKS_THEN_SPACE = re.compile(r"(?:<br>\s*){2,}")
_PARAGRAPH_GAP = re.compile(r"\n[ \t]*\n\s*")
_VOID = frozenset({"br", "hr", "img", "col"})


def _fix_text_nodes(markup: str) -> str:
    """Return sanitized markup with apostrophes fixed in text between tags only."""
    if "`" not in markup and "''" not in markup:
        return markup
    pieces = re.split(r"(<[^>]*>)", markup)
    return "".join(
        piece if piece.startswith("<") else fix_apostrophes(piece) for piece in pieces
    )


def _wrap_inline_run(run: str) -> str:
    """Return a run of top-level inline content as paragraphs: blank lines or two or more
    ``<br>`` end a paragraph, a single newline becomes ``<br>``."""
    if not run.strip():
        return run
    paragraphs: list[str] = []
    for chunk in _BREAKS_THEN_SPACE.split(run):
        for part in _PARAGRAPH_GAP.split(chunk):
            part = part.strip()
            while part.startswith("<br>"):
                part = part[4:].lstrip()
            while part.endswith("<br>"):
                part = part[:-4].rstrip()
            if part:
                part = re.sub(r"(?<!<br>)\n(?!<br>)", "<br>\n", part)
                paragraphs.append("<p>" + part + "</p>")
    return "\n".join(paragraphs)


def wrap_bare_inline_content(markup: str) -> str:
    """Return sanitized markup where text and inline elements that sit at the top level
    (outside any block element) are wrapped in paragraphs."""
    out: list[str] = []
    run: list[str] = []
    depth = 0  # depth inside top-level block elements
    position = 0
    for match in _TAG.finditer(markup):
        closing, name = match.group(1) == "/", match.group(2).lower()
        before = markup[position : match.start()]
        position = match.end()
        if depth == 0:
            run.append(before)
            if name in BLOCK_TAGS:
                out.append(_wrap_inline_run("".join(run)))
                run = []
                out.append(match.group())
                if not closing and name not in _VOID:
                    depth = 1
            else:
                run.append(match.group())
            continue
        out.append(before)
        out.append(match.group())
        if name in BLOCK_TAGS and name not in _VOID:
            depth += -1 if closing else 1
    tail = markup[position:]
    if depth == 0:
        out.append(_wrap_inline_run("".join(run) + tail))
    else:
        out.append(tail)
    return "".join(out)


def html_to_clean_html(markup: str) -> str:
    """Return editor HTML sanitized, with apostrophes fixed in its text and bare top-level
    text wrapped in paragraphs."""
    cleaned = sanitize_html(normalize_whitespace_and_controls(markup))
    wrapped = wrap_bare_inline_content(_fix_text_nodes(cleaned))
    return sanitize_html(wrapped) if wrapped != cleaned else cleaned


# -------------------------------------------------------------------- render


def render_text(source: str, fmt: TextFormat, *, paragraph_ids: bool = True) -> RenderedText:
    """Return ``source`` (plain text, Markdown or HTML) as sanitized HTML with counts.

    Raises ValueError for an unknown ``fmt``. With ``paragraph_ids`` (the default), each
    ``<p>`` with text gets ``id="pN"``; otherwise paragraph ids are removed.
    """
    if fmt == "text":
        converted = sanitize_html(text_to_html(normalize_text(source)))
    elif fmt == "markdown":
        converted = sanitize_html(markdown_to_html(normalize_text(source, markdown=True)))
    elif fmt == "html":
        converted = html_to_clean_html(source)
    else:
        raise ValueError(f"Unknown text format {fmt!r}: use one of {', '.join(TEXT_FORMATS)}.")
    result = number_paragraphs_and_count(converted, paragraph_ids=paragraph_ids)
    return RenderedText(html=result.html, word_count=result.word_count, paragraphs=result.paragraphs)
