"""Properties of the text pipeline for arbitrary input (hypothesis)."""

from __future__ import annotations

import os
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ficarchive.text import (
    add_paragraph_ids,
    count_words,
    html_to_text,
    remove_paragraph_ids,
    render_text,
    sanitize_html,
)
from ficarchive.text.htmlscan import number_paragraphs_and_count
from ficarchive.text.render import TextFormat
from tests.htmlcheck import assert_nothing_executable

FORMATS: tuple[TextFormat, ...] = ("text", "markdown", "html")

# Pieces of markup that attacks and editors produce; joined at random they make inputs
# far nastier than random characters alone.
FRAGMENTS = [
    "<script>alert(1)</script>", "<script>", "</script>", "<style>p{}</style>", "<p>", "</p>",
    "<div>", "</div>", "<span>", "</span>", "<em>", "</em>", "<strong>", "<b>", "<i>", "<u>",
    "<s>", "<br>", "<br/>", "<hr>", "<h1>", "</h1>", "<h2>", "<blockquote>", "</blockquote>",
    "<ul>", "<ol start=3>", "<li>", "</li>", "<table>", "<tr>", "<td colspan=2>", "</td>",
    "<details open>", "<summary>", "<ruby>", "<rt>", "<sup>", "<pre>", "<code>",
    '<p id="p3">', '<p id="x">', '<p title="a&quot;b">', "<p/>", "<p>&nbsp;</p>",
    "<a href='javascript:alert(1)'>", '<a href="jav&#x09;ascript:alert(1)">',
    '<a href="https://example.org/?a=1&b=2">', "<a href=//evil.example>", "</a>",
    "<img src=x onerror=alert(1)>", '<img src="https://example.org/i.png" alt="i">',
    '<img src="data:image/png;base64,AAAA">', "<svg onload=alert(1)>", "<svg><p>x</p></svg>",
    "<math><mi>x</mi></math>", "<iframe srcdoc='<script>alert(1)</script>'>", "</iframe>",
    "<form action=javascript:alert(1)><button>go</button></form>", "<noscript>",
    "<template><script>alert(1)</script></template>", "<object data=javascript:x>",
    "<!--", "-->", "<!-- c -->", "<![CDATA[", "]]>", "<![", "<!", "<?", "</", "<!x", "<![if", "<!DOCTYPE html>", "&lt;", "&#x3c;",
    "&amp;", "&", "<", ">", '"', "'", "`", "''", "``", "\n", "\n\n", "\r\n", "\t", " ",
    "* * *", "~*~*~", "---", "#", "o0o", "> quote", "*emph*", "**strong**", "~~gone~~",
    "[link](javascript:alert(1))", "![img](data:x)", "<https://example.org>",
    "<javascript:alert(1)>", "`code`", "```", "~~~", "    indented", "- item", "1. item",
    "| a | b |\n|---|---|\n| 1 | 2 |", "didn`t", "don''t", "日本語", "한국어", "\u200b",
    "\u00a0", "\u2028", "\x00", "\x0b", "\ufeff", "\x85", "e\u0301", "word", "Julia",
]  # fmt: skip

markup = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=25).map(
    "".join
)
any_text = st.one_of(st.text(max_size=200), markup)
fmt = st.sampled_from(FORMATS)

# FICARCHIVE_FUZZ_EXAMPLES=5000 runs a deeper search (the default keeps the suite fast).
EXAMPLES = int(os.environ.get("FICARCHIVE_FUZZ_EXAMPLES", "200"))
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@SETTINGS
@given(any_text)
def test_it_sanitizes_idempotently(source: str) -> None:
    once = sanitize_html(source)
    assert sanitize_html(once) == once


@SETTINGS
@given(any_text)
def test_it_leaves_nothing_executable_after_sanitizing(source: str) -> None:
    assert_nothing_executable(sanitize_html(source))


@SETTINGS
@given(any_text, fmt)
def test_it_renders_nothing_executable(source: str, text_format: TextFormat) -> None:
    rendered = render_text(source, text_format)
    assert_nothing_executable(rendered.html)


@SETTINGS
@given(any_text, fmt)
def test_it_renders_and_counts_stably(source: str, text_format: TextFormat) -> None:
    first = render_text(source, text_format)
    second = render_text(source, text_format)
    assert first == second
    assert count_words(first.html) == count_words(first.html) == first.word_count


@SETTINGS
@given(any_text, fmt)
def test_it_renders_to_html_that_renders_to_itself(source: str, text_format: TextFormat) -> None:
    # Imported chapters are stored as HTML and rendered again as HTML.
    first = render_text(source, text_format)
    again = render_text(first.html, "html")
    assert again == first
    assert sanitize_html(first.html) == first.html
    notes = render_text(source, text_format, paragraph_ids=False)
    assert render_text(notes.html, "html", paragraph_ids=False) == notes


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.extend((tag, value) for name, value in attrs if name == "id")


def ids_in(html: str) -> list[tuple[str, str | None]]:
    """Return (tag, id) for every element with an id, in document order."""
    parser = _Ids()
    parser.feed(html)
    parser.close()
    return parser.ids


@SETTINGS
@given(any_text, fmt)
def test_it_numbers_paragraphs_in_order(source: str, text_format: TextFormat) -> None:
    rendered = render_text(source, text_format)
    expected = [("p", f"p{n}") for n in range(1, rendered.paragraphs + 1)]
    assert ids_in(rendered.html) == expected
    unnumbered = render_text(source, text_format, paragraph_ids=False)
    assert ids_in(unnumbered.html) == []
    assert unnumbered.paragraphs == 0
    assert unnumbered.word_count == rendered.word_count


@SETTINGS
@given(any_text)
def test_it_adds_paragraph_ids_idempotently(source: str) -> None:
    once = add_paragraph_ids(source)
    assert add_paragraph_ids(once) == once
    clean = sanitize_html(source)
    assert add_paragraph_ids(add_paragraph_ids(clean)) == add_paragraph_ids(clean)
    assert remove_paragraph_ids(add_paragraph_ids(clean)) == remove_paragraph_ids(clean)


@SETTINGS
@given(any_text)
def test_it_reads_sanitized_html_the_same_fast_way_and_slow_way(source: str) -> None:
    clean = sanitize_html(source)
    fast = number_paragraphs_and_count(clean, paragraph_ids=True)
    assert fast.html == add_paragraph_ids(clean)
    assert fast.word_count == count_words(clean)
    assert html_to_text(clean, sanitized=True) == html_to_text(clean)


@SETTINGS
@given(any_text)
def test_it_converts_any_html_to_text(source: str) -> None:
    text = html_to_text(source)
    assert "\n\n\n" not in text
    assert html_to_text(sanitize_html(source)) == html_to_text(sanitize_html(source))
