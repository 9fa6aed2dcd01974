"""Readable differences between two versions of a text, as escaped HTML.

The text is compared paragraph by paragraph (a line of source, or a block of HTML source cut
at its closing tags), and inside a changed paragraph word by word, so that a one-word fix in
a long chapter shows as that word, not as the whole chapter removed and added again. Only
the changed paragraphs are shown, with one unchanged paragraph either side for context.

No Django here: pure functions, fast to test. The HTML holds `<ins>`, `<del>`, and elements
with the classes `diff`, `diff-para`, `diff-gap`; no inline styles (the site's CSP forbids
them).
"""

from __future__ import annotations

import difflib
import re
from html import escape

# A paragraph longer than this is compared as a whole, not word by word (difflib's matcher
# is quadratic in the worst case).
MAX_WORDS_COMPARED = 4_000
CONTEXT = 1  # unchanged paragraphs shown either side of a change
# Closing block tags after which HTML source is cut into paragraphs.
_BLOCK_END = re.compile(r"(</(?:p|div|blockquote|h[1-6]|li|ul|ol|table|tr|details)>)", re.I)
_WORDS = re.compile(r"\s+|\w+|[^\w\s]+")


def paragraphs(text: str) -> list[str]:
    """Return the text's paragraphs: its non-empty lines, with HTML blocks cut apart."""
    pieces: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        for part in _BLOCK_END.sub("\\1\n", line).split("\n"):
            if part.strip():
                pieces.append(part.strip())
    return pieces


def _words_html(old: str, new: str) -> str:
    """Return one changed paragraph with its removed words in <del> and added in <ins>."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    if len(a) + len(b) > MAX_WORDS_COMPARED:
        return f"<del>{escape(old)}</del> <ins>{escape(new)}</ins>"
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return "".join(out)


def diff_html(old: str, new: str) -> str:
    """Return the changes from ``old`` to ``new`` as escaped HTML, or "" when they are equal."""
    if old == new:
        return ""
    a, b = paragraphs(old), paragraphs(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    rows: list[str] = []
    for group in matcher.get_grouped_opcodes(CONTEXT):
        if rows:
            rows.append('<p class="diff-gap">…</p>')
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(f'<p class="diff-para">{escape(p)}</p>' for p in a[i1:i2])
            elif tag == "replace" and i2 - i1 == j2 - j1:
                rows.extend(
                    f'<p class="diff-para">{_words_html(x, y)}</p>'
                    for x, y in zip(a[i1:i2], b[j1:j2], strict=True)
                )
            else:
                rows.extend(f'<p class="diff-para"><del>{escape(p)}</del></p>' for p in a[i1:i2])
                rows.extend(f'<p class="diff-para"><ins>{escape(p)}</ins></p>' for p in b[j1:j2])
    if not rows:  # only whitespace between paragraphs changed
        rows.append('<p class="diff-para">Only spacing changed.</p>')
    return '<div class="diff">' + "".join(rows) + "</div>"
