"""Every hostile string the project makes (tests/hostile.py), every string of the Big List of
Naughty Strings and every line of the XSS lists (../shared/corpora/, when it is there) goes
through the pipeline in all three formats: no exception, nothing executable comes out."""

from __future__ import annotations

import json

import pytest

from ficarchive.text import render_text, sanitize_html
from tests.conftest import shared_file
from tests.hostile import generated_hostile_strings
from tests.htmlcheck import assert_nothing_executable

XSS_FILES = (
    "xss-IntrudersXSS.txt",
    "xss-RSNAKE_XSS.txt",
    "xss-XSS_Polyglots.txt",
    "xss-xss_alert.txt",
)


def _blns() -> list[str]:
    strings = json.loads(shared_file("corpora", "blns.json").read_text(encoding="utf-8"))
    assert isinstance(strings, list)
    return [str(item) for item in strings]


def _xss_lines() -> list[str]:
    lines: list[str] = []
    for name in XSS_FILES:
        path = shared_file("corpora", name)
        lines.extend(path.read_text(encoding="utf-8", errors="surrogateescape").splitlines())
    return lines


def _check(source: str) -> None:
    clean = sanitize_html(source)
    assert_nothing_executable(clean)
    assert sanitize_html(clean) == clean
    for text_format in ("text", "markdown", "html"):
        rendered = render_text(source, text_format)
        assert_nothing_executable(rendered.html)
        assert rendered.word_count >= 0


def test_it_renders_every_generated_hostile_string_safely() -> None:
    strings = generated_hostile_strings()
    assert len(strings) > 300
    for source in strings:
        _check(source)
    _check("\n".join(strings))


def test_it_has_the_corpora() -> None:
    assert len(_blns()) > 400
    assert len(XSS_FILES) == 4
    assert len(_xss_lines()) > 500


def test_it_renders_every_naughty_string_safely() -> None:
    for source in _blns():
        _check(source)


@pytest.mark.parametrize("name", XSS_FILES)
def test_it_renders_every_xss_line_safely(name: str) -> None:
    path = shared_file("corpora", name)
    for line in path.read_text(encoding="utf-8", errors="surrogateescape").splitlines():
        _check(line)


def test_it_renders_each_corpus_as_one_document_safely() -> None:
    # Attacks that span lines (an unclosed tag on one line, its payload on the next).
    for source in ["\n".join(_blns()), "\n".join(_xss_lines())]:
        _check(source)


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" javascript:alert(1)">x</a>',
        '<iframe srcdoc="<b>x</b>"></iframe>',
        '<object data="data:text/html,x"></object>',
        "<svg><animate onbegin=alert(1)>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        "<math><mtext>x</mtext></math>",
        "<form><button formaction=javascript:alert(1)>x</button></form>",
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        "<![CDATA[<script>alert(1)</script>]]>",
    ],
)
def test_the_checker_catches_executable_html(html: str) -> None:
    with pytest.raises(AssertionError):
        assert_nothing_executable(html)


def test_the_checker_passes_inert_html() -> None:
    assert_nothing_executable(
        '<p id="p1">&lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(1)</p>'
        '<a href="https://example.org/?q=javascript:" rel="nofollow noopener">x</a>'
        '<img src="https://example.org/data:x.png" alt="data:">'
    )


def test_the_checker_allows_a_pages_own_scripts_and_forms() -> None:
    page = (
        '<html><head><link rel="stylesheet" href="/static/site.css">'
        '<script src="/static/site.js"></script></head><body><form method="post">'
        '<input name="q"><button>Search</button></form></body></html>'
    )
    assert_nothing_executable(page, page=True)
    with pytest.raises(AssertionError):
        assert_nothing_executable(page + "<script>alert(1)</script>", page=True)
    with pytest.raises(AssertionError):
        assert_nothing_executable(page)
