"""Bound how deeply HTML elements nest before the sanitizer parses them.

The HTML parser under :mod:`ficarchive.text.sanitize` (html5ever, in nh3) checks "is there an
open element of this kind in scope?" by walking its stack of open elements, so a document
that nests elements N deep costs about N² (200,000 nested ``<div>`` or ``<b>``: minutes).
No story nests anything a hundred deep, so :func:`limit_nesting` drops the start tags (and
their end tags) that would open an element deeper than :data:`MAX_NESTING`: their text stays,
in the element at the limit. Markup that stays within the limit is returned unchanged.

The depth is modelled as an HTML parser counts it, closely enough: void elements open
nothing, comments and the text of ``script``/``style``/``textarea``... are skipped, an end tag
closes the nearest open element of its name (a stray one closes nothing), and the implied
ends that keep ordinary sloppy HTML flat are applied (a block start ends an open ``<p>``, a
``<li>`` ends the previous ``<li>``, a cell the previous cell, a heading a heading, an
``<a>`` an open ``<a>``).
"""

from __future__ import annotations

import re
from collections import Counter

MAX_NESTING = 100

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
     "param", "source", "track", "wbr", "frame", "basefont", "bgsound"}
)  # fmt: skip
# Elements whose content is text, not markup, up to their own end tag.
_RAW_TEXT = frozenset(
    {"script", "style", "xmp", "iframe", "noembed", "noframes", "textarea", "title",
     "noscript", "plaintext"}
)  # fmt: skip
# Start tags that end an open <p>.
_CLOSES_P = frozenset(
    {"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div",
     "dl", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
     "h6", "header", "hgroup", "hr", "li", "dd", "dt", "main", "menu", "nav", "ol", "p", "pre",
     "section", "summary", "table", "ul", "listing", "plaintext"}
)  # fmt: skip
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# A start tag that ends an open element of these kinds, looking no further than a boundary.
_CLOSES_SIBLING: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol", "menu", "table"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl", "table"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl", "table"})),
    "td": (frozenset({"td", "th"}), frozenset({"table", "tr"})),
    "th": (frozenset({"td", "th"}), frozenset({"table", "tr"})),
    "tr": (frozenset({"tr", "td", "th"}), frozenset({"table"})),
    "tbody": (frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}), frozenset({"table"})),
    "thead": (frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}), frozenset({"table"})),
    "tfoot": (frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}), frozenset({"table"})),
    "option": (frozenset({"option"}), frozenset({"select"})),
    "a": (frozenset({"a"}), frozenset({"table", "td", "th"})),
}
_P = frozenset({"p"})
_P_BOUNDARY = frozenset({"table", "td", "th", "button", "applet", "object", "marquee"})
# Comments, declarations, and start or end tags (quoted attribute values may hold ">"; an
# unquoted "<" starts a new tag here, so that no search looks past the next "<").
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<[!?][^>]*>?"
    r"|<(/?)([a-zA-Z][^\s/<>]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.DOTALL,
)


# Start tags that close nothing (the block ones only while no <p> is open): once the limit
# is reached, a run of them is removed in one step (hostile documents repeat one of them
# hundreds of thousands of times).
_INLINE_NAMES = "b|i|u|s|em|strong|span|font|small|big|sup|sub|code|mark|q|cite|ins|del|abbr"
_BLOCK_NAMES = "div|section|article|blockquote|center|aside|main|header|footer|nav|figure"
_INLINE_START_RUN = re.compile(rf"(?:<(?:{_INLINE_NAMES})(?:\s[^<>\"']*)?>)+", re.IGNORECASE)
_PLAIN_START_RUN = re.compile(
    rf"(?:<(?:{_BLOCK_NAMES}|{_INLINE_NAMES})(?:\s[^<>\"']*)?>)+", re.IGNORECASE
)
_START_NAME = re.compile(r"<([a-zA-Z0-9]+)")


_VOID_TAG = re.compile(r"<(?:br|hr|img|wbr|col)(?=[\s/>])[^<>]*>", re.IGNORECASE)
# An element with only text in it (its end tag closes it whatever else is open).
_INNERMOST = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)(?=[\s/>])[^<>]*>[^<]*</\1\s*>")
_SHALLOW_PASSES = 4


def _shallow(markup: str, max_depth: int) -> bool:
    """Return True if ``markup`` certainly nests no deeper than ``max_depth`` (False: maybe).

    Each pass removes the elements that hold only text; once few enough tags are left, the
    depth is at most the tags left plus the passes made. Ordinary chapters (paragraphs with
    emphasis, quotes, lists) pass in a few quick regular-expression passes."""
    reduced = _VOID_TAG.sub("", markup)
    for passes in range(1, _SHALLOW_PASSES + 1):
        shorter = _INNERMOST.sub("", reduced)
        if shorter.count("<") + passes <= max_depth:
            return True
        if len(shorter) == len(reduced):
            return False
        reduced = shorter
    return False


def _pop_to(stack: list[str], names: frozenset[str], boundary: frozenset[str]) -> None:
    for index in range(len(stack) - 1, -1, -1):
        name = stack[index]
        if name in names:
            del stack[index:]
            return
        if name in boundary:
            return


def limit_nesting(markup: str, max_depth: int = MAX_NESTING) -> str:
    """Return ``markup`` with start tags that would nest an element deeper than
    ``max_depth`` removed, with their end tags; unchanged when nothing nests that deep."""
    if markup.count("<") <= max_depth:
        return markup  # too few tags to nest that deep
    if _shallow(markup, max_depth):
        return markup
    stack: list[str] = []
    dropped: dict[str, int] = {}  # removed start tags whose end tags are still to come
    cuts: list[tuple[int, int]] = []  # (start, end) of each tag removed
    raw_end: re.Pattern[str] | None = None
    position = 0
    length = len(markup)
    while position < length:
        if raw_end is not None:
            found = raw_end.search(markup, position)
            if found is None:
                break
            position = found.start()
            raw_end = None
        if len(stack) >= max_depth:
            next_tag = markup.find("<", position)
            if next_tag < 0:
                break
            runs = _INLINE_START_RUN if "p" in stack else _PLAIN_START_RUN
            run = runs.match(markup, next_tag)
            if run is not None:
                for name, count in Counter(_START_NAME.findall(run.group(0))).items():
                    dropped[name.lower()] = dropped.get(name.lower(), 0) + count
                cuts.append((run.start(), run.end()))
                position = run.end()
                continue
        match = _TOKEN.search(markup, position)
        if match is None:
            break
        position = match.end()
        name = match.group(2)
        if name is None:
            continue  # a comment or a declaration
        name = name.lower()
        if match.group(1):  # an end tag
            if name in stack:
                del stack[len(stack) - 1 - stack[::-1].index(name) :]
            elif dropped.get(name):
                dropped[name] -= 1
                cuts.append((match.start(), match.end()))
            continue
        if name in _VOID:
            continue
        if name in _CLOSES_P and "p" in stack:
            _pop_to(stack, _P, _P_BOUNDARY)
        if name in _HEADINGS and stack and stack[-1] in _HEADINGS:
            stack.pop()
        sibling = _CLOSES_SIBLING.get(name)
        if sibling is not None:
            _pop_to(stack, *sibling)
        if name in _RAW_TEXT:
            raw_end = re.compile(f"</{re.escape(name)}[\\s/>]", re.IGNORECASE)
        if match.group(3).rstrip().endswith("/") and name in ("svg", "math"):
            continue  # a self-closed foreign element opens nothing
        if len(stack) >= max_depth:
            dropped[name] = dropped.get(name, 0) + 1
            cuts.append((match.start(), match.end()))
            if raw_end is not None:
                raw_end = None  # its text is read as markup, which the sanitizer escapes
            continue
        stack.append(name)
    if not cuts:
        return markup
    pieces: list[str] = []
    last = 0
    for start, end in cuts:
        pieces.append(markup[last:start])
        last = end
    pieces.append(markup[last:])
    return "".join(pieces)
