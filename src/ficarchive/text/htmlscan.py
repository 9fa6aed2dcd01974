"""Read HTML with the standard library's parser: paragraph anchors, plain text, word counts.

Word-count rule: the text content of the HTML (without markup, with block elements and line
breaks separating words) is split on whitespace and every token counts as one word,
punctuation-only tokens such as a spaced dash included (this is what "whitespace-separated
words" means, and it is what an author's word processor reports). CJK characters (Han
ideographs, hiragana, katakana, hangul) count one word each; in a token that contains them,
each run of other characters counts one more word only if it holds a letter or a digit, so
the CJK full stop in ``日本語。`` does not count. Scene breaks (``<hr>``), image alt text and
the content of script and style elements never count.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

BLOCK_TAGS: frozenset[str] = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
        "html", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_IGNORED_CONTENT = frozenset({"script", "style", "template", "title", "head"})

_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31bf"
    "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"
    "\uf900-\ufaff\uff66-\uff9f\uffa0-\uffdc\U0001b000-\U0001b16f\U00020000-\U0003ffff]"
)
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# Runs of spaces collapse to one space; only the runs that change are matched.
_SPACE_RUN = re.compile(r"[ \t\n\r\f]{2,}|[\t\n\r\f]")


def _may_collapse(line: str) -> bool:
    """Return True if ``line`` has a run of spaces to collapse (substring tests are much
    faster than the regular expression on long paragraphs that have none)."""
    return "  " in line or "\n" in line or "\t" in line or "\r" in line or "\f" in line


_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")
SCENE_BREAK_TEXT = "* * *"


def count_text_words(text: str) -> int:
    """Return the number of words in plain text, by the rule in this module's docstring."""
    if text.isascii() or not _CJK.search(text):  # isascii: a fast answer for most text
        return len(text.split())
    words = 0
    for token in text.split():
        cjk = len(_CJK.findall(token))
        if not cjk:
            words += 1
            continue
        words += cjk
        words += sum(1 for run in _CJK.split(token) if _LETTER_OR_DIGIT.search(run))
    return words


@dataclass
class _Paragraph:
    start: int  # offset of "<p" in the source
    end: int  # offset just after the start tag's ">"
    attrs: list[tuple[str, str | None]]
    has_content: bool = False
    has_id: bool = False


@dataclass
class _Scan:
    paragraphs: list[_Paragraph] = field(default_factory=list)
    # Text of each block in document order; None stands for a scene break (<hr>).
    blocks: list[str | None] = field(default_factory=list)


class _Collector:
    """Collects paragraphs and block texts from tag and text events, whoever parses."""

    def __init__(self, *, collapse_spaces: bool = True) -> None:
        self.scan = _Scan()
        # Word counting splits on whitespace anyway; only html_to_text needs runs collapsed.
        self._collapse = collapse_spaces
        self._open_paragraphs: list[_Paragraph] = []
        self._lines: list[str] = []  # finished lines of the current block
        self._parts: list[str] = []  # text of the current line
        self._ignored_depth = 0

    def _end_line(self) -> None:
        # Whitespace collapses once per line rather than once per text event.
        line = "".join(self._parts)
        if self._collapse and _may_collapse(line):
            line = _SPACE_RUN.sub(" ", line)
        self._lines.append(line)
        self._parts = []

    def _flush(self) -> None:
        if self._parts or self._lines:
            self._end_line()
            self.scan.blocks.append("\n".join(self._lines))
            self._lines = []

    def _mark_content(self) -> None:
        if self._open_paragraphs:
            self._open_paragraphs[-1].has_content = True

    def start_tag(
        self, tag: str, attrs: list[tuple[str, str | None]], start: int, end: int
    ) -> None:
        if tag in _IGNORED_CONTENT:
            self._ignored_depth += 1
            return
        if tag in BLOCK_TAGS:
            self._flush()
        if tag == "p":
            paragraph = _Paragraph(start, end, attrs)
            paragraph.has_id = any(name == "id" for name, _ in attrs)
            self.scan.paragraphs.append(paragraph)
            self._open_paragraphs.append(paragraph)
        elif tag == "br":
            self._end_line()
        elif tag == "hr":
            self.scan.blocks.append(None)
        elif tag == "img":
            self._mark_content()

    def end_tag(self, tag: str) -> None:
        if tag in _IGNORED_CONTENT:
            self._ignored_depth = max(0, self._ignored_depth - 1)
            return
        if tag in BLOCK_TAGS:
            self._flush()
        if tag == "p" and self._open_paragraphs:
            self._open_paragraphs.pop()
        elif tag == "br":  # "</br>" is a line break too
            self._end_line()

    def data(self, data: str) -> None:
        if self._ignored_depth:
            return
        self._parts.append(data)
        if not data.isspace():
            self._mark_content()

    def finish(self) -> _Scan:
        self._flush()
        return self.scan


class _Scanner(HTMLParser):
    """Feeds the standard library's HTML parser events to a collector (any HTML)."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.collector = _Collector()
        self._line_starts = [0]
        self._line_starts.extend(m.end() for m in re.finditer("\n", source))

    def parse_html_declaration(self, i: int) -> int:
        # Python 3.11's parser raises AssertionError on a malformed "<![...": read it as
        # browsers do, as a bogus comment that ends at the next ">".
        if self.rawdata.startswith("<![", i):
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1
        return super().parse_html_declaration(i)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        start = self._line_starts[line - 1] + column
        raw = self.get_starttag_text() or ""
        self.collector.start_tag(tag, attrs, start, start + len(raw))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "p" or tag in _IGNORED_CONTENT:
            self.collector.end_tag(tag)

    def handle_endtag(self, tag: str) -> None:
        self.collector.end_tag(tag)

    def handle_data(self, data: str) -> None:
        self.collector.data(data)


def _scan(markup: str) -> _Scan:
    """Return what is in any HTML, read with the standard library's parser."""
    scanner = _Scanner(markup)
    scanner.feed(markup)
    scanner.close()
    return scanner.collector.finish()


# In sanitized HTML (as nh3 serializes it) every "<" in text and every ">" in an attribute
# value is escaped, there are no comments, and attribute values are double-quoted, so a
# regular expression reads its tags exactly.
_SANITIZED_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
_SANITIZED_ATTRIBUTE = re.compile(r'([^\s=/>]+)(?:="([^"]*)")?')


def _sanitized_attributes(source: str) -> list[tuple[str, str | None]]:
    return [
        (name.lower(), html.unescape(value) if value else value)
        for name, value in _SANITIZED_ATTRIBUTE.findall(source)
    ]


def _scan_sanitized(markup: str, *, collapse_spaces: bool = True) -> _Scan:
    """Return what is in sanitized HTML, read with a regular expression (several times
    faster than the standard parser on long chapters; the tests check they agree)."""
    collector = _Collector(collapse_spaces=collapse_spaces)
    position = 0
    for match in _SANITIZED_TAG.finditer(markup):
        if match.start() > position:
            text = markup[position : match.start()]
            collector.data(html.unescape(text) if "&" in text else text)
        position = match.end()
        tag = match.group(2).lower()
        if match.group(1):
            collector.end_tag(tag)
            continue
        attributes = match.group(3)
        attrs = _sanitized_attributes(attributes) if attributes.strip(" /") else []
        collector.start_tag(tag, attrs, match.start(), match.end())
        if attributes.endswith("/") and tag == "p":
            collector.end_tag(tag)
    if position < len(markup):
        text = markup[position:]
        collector.data(html.unescape(text) if "&" in text else text)
    return collector.finish()


def _escape_attribute(value: str) -> str:
    # The same escaping as the sanitizer's serializer, so sanitized tags round-trip.
    return (
        value.replace("&", "&amp;")
        .replace("\u00a0", "&nbsp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def _paragraph_tag(attrs: list[tuple[str, str | None]], paragraph_id: str | None) -> str:
    parts = ["<p"]
    for name, value in attrs:
        if name != "id":
            parts.append(f' {name}="{_escape_attribute(value or "")}"')
    if paragraph_id:
        parts.append(f' id="{paragraph_id}"')
    parts.append(">")
    return "".join(parts)


def _rewrite_paragraph_ids(markup: str, scan: _Scan, *, number: bool) -> tuple[str, int]:
    """Return the markup with p ids renumbered (or removed) and the number of ids written."""
    pieces: list[str] = []
    position = 0
    written = 0
    for paragraph in scan.paragraphs:
        wanted: str | None = None
        if number and paragraph.has_content:
            written += 1
            wanted = f"p{written}"
        if wanted is None and not paragraph.has_id:
            continue
        pieces.append(markup[position : paragraph.start])
        if wanted is not None and len(paragraph.attrs) == 0:
            pieces.append(f'<p id="{wanted}">')
        else:
            pieces.append(_paragraph_tag(paragraph.attrs, wanted))
        position = paragraph.end
    if position == 0:
        return markup, written
    pieces.append(markup[position:])
    return "".join(pieces), written


def add_paragraph_ids(markup: str) -> str:
    """Return ``markup`` with ``id="p1"``, ``id="p2"``... on its paragraphs, in document order.

    Every ``<p>`` with text (or an image) in it is numbered, at any depth; empty paragraphs
    (spacers such as ``<p>&nbsp;</p>``) get no id. Existing ids on ``<p>`` elements are
    replaced, so the function is idempotent. Nothing else in the markup changes.
    """
    return _rewrite_paragraph_ids(markup, _scan(markup), number=True)[0]


def remove_paragraph_ids(markup: str, *, sanitized: bool = False) -> str:
    """Return ``markup`` without ``id`` attributes on its ``<p>`` elements (``sanitized=True``
    says it is output of :func:`ficarchive.text.sanitize_html`, read several times faster)."""
    if sanitized and _NESTABLE_IN_P.search(markup) is None:
        return _number_sanitized(markup, number=False)[0]
    scan = _scan_sanitized(markup) if sanitized else _scan(markup)
    return _rewrite_paragraph_ids(markup, scan, number=False)[0]


def _block_words(scan: _Scan) -> int:
    return sum(count_text_words(block) for block in scan.blocks if block is not None)


def count_words(markup: str) -> int:
    """Return the number of words in the text content of ``markup`` (see the module rule)."""
    return _block_words(_scan(markup))


def html_to_text(markup: str, *, sanitized: bool = False) -> str:
    """Return the plain text of ``markup``: one paragraph per block, separated by blank lines.

    ``<br>`` becomes a line break, ``<hr>`` a ``* * *`` line; runs of spaces collapse and
    empty blocks disappear. Character references are decoded. ``sanitized=True`` says the
    markup is output of :func:`ficarchive.text.sanitize_html` (stored chapter HTML), which
    is read several times faster.
    """
    paragraphs: list[str] = []
    scan = _scan_sanitized(markup) if sanitized else _scan(markup)
    for block in scan.blocks:
        if block is None:
            paragraphs.append(SCENE_BREAK_TEXT)
            continue
        lines = [line.strip() for line in block.split("\n")]
        text = _EXTRA_BLANK_LINES.sub("\n\n", "\n".join(lines).strip("\n"))
        if text.strip():
            paragraphs.append(text)
    return "\n\n".join(paragraphs)


@dataclass(frozen=True)
class ParagraphScan:
    """Paragraph-numbered HTML and the counts read from it in the same pass."""

    html: str
    paragraphs: int
    word_count: int


_ANY_TAG = re.compile(r"<[^>]*>")
# Elements in which a parser may leave a <p> open around another block (tables, by foster
# parenting, and elements the sanitizer does not keep anyway): the scan handles those.
_NESTABLE_IN_P = re.compile(r"<(?:table|button|object|applet|marquee|svg|math)[\s/>]")
_BREAKING_TAG = re.compile(
    r"</?(?:" + "|".join(sorted(BLOCK_TAGS, key=len, reverse=True)) + r"|br)(?=[\s/>])[^>]*>"
)
# The content is matched as "[^<]*(?:<(?!/p>)[^<]*)*" (unrolled), faster than a lazy ".*?".
PARAGRAPH_ELEMENT = re.compile(r"<p(?=[\s/>])([^>]*)>([^<]*(?:<(?!/p>)[^<]*)*)</p>")


def _count_sanitized_words(markup: str) -> int:
    """Return the word count of sanitized markup: block tags and ``<br>`` separate words,
    other tags join what is on either side (as the block-by-block scan counts)."""
    text = _ANY_TAG.sub("", _BREAKING_TAG.sub(" ", markup))
    return count_text_words(html.unescape(text) if "&" in text else text)


def _number_sanitized(markup: str, *, number: bool) -> tuple[str, int]:
    """Return sanitized markup with paragraph ids renumbered (or removed) and the number of
    ids written, for markup where a ``<p>`` never holds another (the parser closes an open
    paragraph before any block) and always has its end tag."""
    written = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal written
        attributes, inner = match.group(1), match.group(2)
        has_content = "<img" in inner
        if not has_content:
            text = _ANY_TAG.sub("", inner) if "<" in inner else inner
            has_content = bool((html.unescape(text) if "&" in text else text).strip())
        if number and has_content:
            written += 1
            if not attributes:
                return f'<p id="p{written}">{inner}</p>'
            attrs = _sanitized_attributes(attributes)
            return _paragraph_tag(attrs, f"p{written}") + inner + "</p>"
        if not attributes:
            return match.group(0)
        attrs = _sanitized_attributes(attributes)
        if not any(name == "id" for name, _ in attrs):
            return match.group(0)
        return _paragraph_tag(attrs, None) + inner + "</p>"

    return PARAGRAPH_ELEMENT.sub(rewrite, markup), written


def number_paragraphs_and_count(markup: str, *, paragraph_ids: bool) -> ParagraphScan:
    """Return sanitized ``markup`` with paragraph ids written (or removed), its id count and
    its word count.

    One fast pass does both jobs, which matters for long chapters; ``markup`` must be the
    output of :func:`ficarchive.text.sanitize_html`.
    """
    if "<p" in markup and _NESTABLE_IN_P.search(markup) is None:
        # Regular expressions over the whole text, several times faster than the scan.
        rewritten, written = _number_sanitized(markup, number=paragraph_ids)
        return ParagraphScan(rewritten, written, _count_sanitized_words(markup))
    scan = _scan_sanitized(markup, collapse_spaces=False)
    rewritten, written = _rewrite_paragraph_ids(markup, scan, number=paragraph_ids)
    return ParagraphScan(html=rewritten, paragraphs=written, word_count=_block_words(scan))
