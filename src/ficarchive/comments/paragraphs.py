"""Read the paragraphs of stored (sanitized) chapter HTML: their ids and opening text.

Pure functions, no Django. Sanitized HTML escapes "<" in text and quotes in attribute
values, and a paragraph cannot hold another, so a regular expression reads them exactly.
"""

from __future__ import annotations

import html
import re

_PARAGRAPH = re.compile(r'<p\b[^>]*?\sid="(p[1-9][0-9]*)"[^>]*>(.*?)</p>', re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
SNIPPET_MAX = 200


def paragraph_texts(markup: str) -> dict[str, str]:
    """Return {paragraph id: its plain text with whitespace collapsed}, in document order."""
    found: dict[str, str] = {}
    for match in _PARAGRAPH.finditer(markup):
        text = html.unescape(_TAG.sub(" ", match.group(2)))
        found.setdefault(match.group(1), _SPACE.sub(" ", text).strip())
    return found


def snippet(text: str, limit: int = SNIPPET_MAX) -> str:
    """Return the opening of a paragraph's text, at most `limit` characters."""
    return text[:limit]


def opening_words(text: str, words: int = 12) -> str:
    """Return the first `words` words of a text, with an ellipsis if there were more."""
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


_PARAGRAPH_START = re.compile(r'<p\b[^>]*?\sid="p([1-9][0-9]*)"[^>]*>')


def with_comment_controls(markup: str, href: str) -> str:
    """Return stored chapter HTML with a comment link beside each numbered paragraph.

    The link goes just before its paragraph, outside it (copying the paragraph copies no
    control), to ``href`` followed by the paragraph's number (the comment form for that
    paragraph, which works without JavaScript); its label names the paragraph by its first
    words. ``href`` must already be escaped for an attribute value."""
    texts = paragraph_texts(markup)

    def control(match: re.Match[str]) -> str:
        number = match.group(1)
        words = html.escape(opening_words(texts.get(f"p{number}", ""), 6), quote=True)
        return (
            f'<a class="paragraph-comment-link" href="{href}{number}" data-paragraph="p{number}"'
            f' aria-label="Comment on the paragraph “{words}”"></a>{match.group(0)}'
        )

    return _PARAGRAPH_START.sub(control, markup)


def reanchor(anchors: dict[int, tuple[str, str]], markup: str) -> dict[int, str]:
    """Return {comment id: new paragraph id} for the anchored comments whose paragraph moved
    or went, given {comment id: (paragraph id, snippet)} and the chapter's new HTML.

    A comment stays on its paragraph if that paragraph still opens with the snippet;
    else it follows the first paragraph that does (one was added or removed above it);
    else it falls back to the whole chapter ("")."""
    texts = paragraph_texts(markup)
    by_snippet: dict[str, str] = {}
    for pid, text in texts.items():
        by_snippet.setdefault(snippet(text), pid)
    moves: dict[int, str] = {}
    for pk, (pid, snip) in anchors.items():
        if pid in texts and snippet(texts[pid]) == snip:
            continue
        target = by_snippet.get(snip, "")
        if target != pid:
            moves[pk] = target
    return moves
