"""Hostile shapes of text (issue 12, target 6) through the posting form, the preview and the
import page: each gives a bounded result and saves a whole work or nothing; the fast paths
of the text pipeline agree with the slow ones; previews are rate limited. No timings here:
bench/textspeed.py measures them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ficarchive.accounts.models import User
from ficarchive.moderation.models import RateEvent
from ficarchive.text import render_text
from ficarchive.text.htmlscan import (
    _block_words,
    _rewrite_paragraph_ids,
    _scan_sanitized,
    number_paragraphs_and_count,
    remove_paragraph_ids,
)
from ficarchive.text.nesting import MAX_NESTING, limit_nesting
from ficarchive.text.render import _parse_and_render, _render_markdown
from ficarchive.text.sanitize import sanitize_html
from ficarchive.works.models import Chapter, Work
from tests.conftest import client_for, hostile_corpus

pytestmark = pytest.mark.django_db

STORIES = Path(__file__).parent / "stories"
THREE_CHARACTER_PARAGRAPHS = "abc\n\n" * 102_000  # 510,000 characters


def work_form(text: str, text_format: str, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Hostile shapes",
        "rating": "teen",
        "warnings": ["No Archive Warnings Apply"],
        "comment_permission": "anyone",
        "fandoms": "The Long Dark Between",
        "text_format": text_format,
        "language": "en",
        "text": text,
        "intent": "post",
    }
    data.update(changes)
    return data


def depth_of(markup: str) -> int:
    """Return how deeply the (well-formed, sanitized) markup nests elements."""
    depth = deepest = 0
    for match in re.finditer(r"<(/?)([a-z][a-z0-9]*)[^>]*>", markup):
        if match.group(2) in ("br", "hr", "img", "wbr", "col"):
            continue
        depth += -1 if match.group(1) else 1
        deepest = max(deepest, depth)
    return deepest


def posted_chapter(author: User, text: str, text_format: str) -> Chapter:
    response = client_for(author).post("/works/new/", work_form(text, text_format))
    assert response.status_code == 302, response.content.decode()[:500]
    work = Work.objects.get()
    chapter = Chapter.objects.get(work=work)
    assert work.word_count == chapter.word_count
    return chapter


@pytest.mark.parametrize(
    ("text", "text_format", "literal"),
    [
        ("*" * 200_000 + "a" + "*" * 200_000, "markdown", "*" * 200_000),
        ("[" * 100_000, "markdown", "[" * 100_000),
        ("_" * 50_000 + "a" + "_" * 50_000, "markdown", "_" * 50_000),
    ],
    ids=["asterisks", "brackets", "underscores"],
)
def test_it_posts_long_delimiter_runs_as_literal_text(
    author: User, text: str, text_format: str, literal: str
) -> None:
    chapter = posted_chapter(author, text, text_format)
    assert literal in chapter.html
    assert depth_of(chapter.html) <= 2
    assert "<em>" not in chapter.html and "<a " not in chapter.html


@pytest.mark.parametrize(
    "text", ["<b>" * 100_000 + "bold", "<div>" * 100_000 + "deep", "<span><i>" * 50_000 + "x"]
)
def test_it_posts_deeply_nested_html_flattened_at_the_limit(author: User, text: str) -> None:
    chapter = posted_chapter(author, text, "html")
    assert depth_of(chapter.html) <= MAX_NESTING
    assert chapter.word_count == 1


@pytest.mark.parametrize("text_format", ["text", "markdown"])
def test_it_posts_510000_characters_of_three_character_paragraphs(
    author: User, text_format: str
) -> None:
    chapter = posted_chapter(author, THREE_CHARACTER_PARAGRAPHS, text_format)
    assert chapter.paragraph_count == 102_000
    assert chapter.word_count == 102_000
    assert '<p id="p102000">abc</p>' in chapter.html


def test_it_previews_a_hostile_shape_and_saves_nothing(author: User) -> None:
    text = "*" * 200_000 + "a" + "*" * 200_000
    response = client_for(author).post("/works/new/", work_form(text, "markdown", intent="preview"))
    assert response.status_code == 200
    assert "*" * 1000 in response.content.decode()
    assert not Work.objects.exists()


def test_it_imports_200000_nested_divs_as_one_flat_chapter(author: User, settings: Any) -> None:
    data = b"<html><body>" + b"<div>" * 200_000 + b"Hello there, reader.</body></html>"
    upload = SimpleUploadedFile("nested.html", data, content_type="text/html")
    response = client_for(author).post("/works/import/", {"file": upload, "import_format": ""})
    assert response.status_code == 302, response.content.decode()[:500]
    work = Work.objects.get()
    chapter = Chapter.objects.get(work=work)
    assert chapter.word_count == 3
    assert depth_of(chapter.html) <= MAX_NESTING


def test_a_failed_import_saves_nothing(author: User) -> None:
    data = b"<html><body>" + b"<div>" * 200_000 + b"</body></html>"  # no text at all
    upload = SimpleUploadedFile("empty.html", data, content_type="text/html")
    response = client_for(author).post("/works/import/", {"file": upload, "import_format": ""})
    assert response.status_code == 200
    assert "No story text found" in response.content.decode()
    assert not Work.objects.exists() and not Chapter.objects.exists()


# ---------------------------------------------------------------- the preview's rate limit


def test_previews_over_the_limit_get_a_429_with_a_message(author: User, settings: Any) -> None:
    settings.MODERATION_RATE_LIMITS_ENABLED = True
    settings.MODERATION_RATE_LIMITS = {"preview": [("account", 2, 60)]}
    client = client_for(author)
    form = work_form("Mira lit the lamp.", "text", intent="preview")
    assert client.post("/works/new/", form).status_code == 200
    assert client.post("/works/new/", form).status_code == 200
    response = client.post("/works/new/", form)
    assert response.status_code == 429
    assert "Too many previews from your account in the last minute" in response.content.decode()
    assert response["Retry-After"]
    assert not Work.objects.exists()
    # Posting is its own action: previews do not use up its limit.
    assert client.post("/works/new/", work_form("Mira lit the lamp.", "text")).status_code == 302
    assert RateEvent.objects.filter(action="preview").count() == 2


def test_the_chapter_preview_is_rate_limited_too(author: User, settings: Any) -> None:
    settings.MODERATION_RATE_LIMITS_ENABLED = True
    settings.MODERATION_RATE_LIMITS = {"preview": [("account", 1, 60)]}
    client = client_for(author)
    assert client.post("/works/new/", work_form("One.", "text")).status_code == 302
    work = Work.objects.get()
    form = {"chapter_title": "Two", "text": "Two.", "chapter_format": "text", "intent": "preview"}
    assert client.post(f"/works/{work.pk}/chapters/new/", form).status_code == 200
    response = client.post(f"/works/{work.pk}/chapters/new/", form)
    assert response.status_code == 429
    assert "Too many previews" in response.content.decode()
    assert Chapter.objects.filter(work=work).count() == 1


# ------------------------------------------------------- fast paths agree with slow ones


def _documents() -> list[str]:
    texts = [path.read_text(errors="replace") for path in sorted(STORIES.glob("*.*"))]
    texts += list(hostile_corpus())
    texts += [
        "Plain one.\n\nPlain two\nwith a second line.\n\n* * *\n\nAfter the break.",
        "1984. It was cold.\n\n- a list\n\nAfter it.\n\n> quoted\n\nPlain again.",
        "Title\n=====\n\nPlain.\n\nSub\n---\n\nPlain  \nhard break.",
        "Line with trailing space \n\nNext.\n\n    indented prose\n\nLast.",
        "\u00a0leading nbsp\n\ntrailing nbsp\u00a0\n\nmiddle\u00a0nbsp.",
        "Quotes \"here\" and 'there'.\n\n#hashtag\n\n+plus\n\n=equals\n\n|pipe",
        "a\n\n\n\nb\n \nc\n\t\nd",
    ]
    return texts


@pytest.mark.parametrize("index", range(len(_documents())))
def test_markdown_fast_path_renders_what_markdown_it_renders(index: int) -> None:
    text = _documents()[index].replace("\r", "")
    assert _render_markdown(text) == _parse_and_render(text)


def test_paragraph_numbering_fast_path_agrees_with_the_scan() -> None:
    for text in _documents():
        for fmt in ("text", "markdown", "html"):
            markup = render_text(text, fmt, paragraph_ids=False).html
            fast = number_paragraphs_and_count(markup, paragraph_ids=True)
            scan = _scan_sanitized(markup)
            rewritten, written = _rewrite_paragraph_ids(markup, scan, number=True)
            assert (fast.html, fast.paragraphs, fast.word_count) == (
                rewritten,
                written,
                _block_words(scan),
            ), text[:80]
            numbered = fast.html
            slow = _rewrite_paragraph_ids(numbered, _scan_sanitized(numbered), number=False)[0]
            assert remove_paragraph_ids(numbered, sanitized=True) == slow


def test_limit_nesting_leaves_ordinary_and_sloppy_html_alone() -> None:
    sloppy = "<p>One" * 5000 + "<ul>" + "<li>item" * 3000 + "</ul>"
    ordinary = "<p>Some <em>text</em> and <b>more</b>.</p>\n" * 5000
    tables = "<table><tr><td>a<td>b<tr><td>c</table>" * 500
    for markup in (sloppy, ordinary, tables):
        assert limit_nesting(markup) == markup
    for text in _documents():
        assert limit_nesting(text) == text or text.count("<") > MAX_NESTING


def test_limit_nesting_flattens_past_the_limit_and_keeps_the_text() -> None:
    deep = "<blockquote>" * 500 + "words stay" + "</blockquote>" * 500 + "<p>after</p>"
    flat = limit_nesting(deep)
    assert flat.count("<blockquote>") == MAX_NESTING
    assert flat.count("</blockquote>") == MAX_NESTING
    assert "words stay" in flat and flat.endswith("<p>after</p>")
    assert depth_of(sanitize_html(flat)) <= MAX_NESTING
    assert depth_of(sanitize_html("<i><b>" * 10_000 + "x")) <= MAX_NESTING


def test_the_quick_bare_content_check_agrees_with_the_loop() -> None:
    from ficarchive.text import render

    samples = ["<p>a</p>\n<hr>\n<p>b</p>", "<p>a</p> tail", "lead <p>a</p>", "<em>x</em>"]
    samples += [sanitize_html(text) for text in _documents()]
    for markup in samples:
        quick = render.has_bare_inline_content(markup)
        original = render._PARAGRAPH_OR_RULE
        try:
            render._PARAGRAPH_OR_RULE = re.compile("(?!)")  # never matches: the loop decides
            assert render.has_bare_inline_content(markup) == quick, markup[:80]
        finally:
            render._PARAGRAPH_OR_RULE = original


def test_markdown_blocks_without_the_inline_pass_are_the_same_blocks(monkeypatch: Any) -> None:
    from ficarchive.text import render

    texts = [text.replace("\r", "") for text in _documents()]
    texts.append("# One\n\nText *with* [links](http://x.example).\n\n## Two\n\n~~~\ncode\n~~~")
    quick = [render.markdown_blocks(text) for text in texts]
    monkeypatch.setattr(render, "_MARKDOWN_BLOCKS", render._MARKDOWN)
    assert quick == [render.markdown_blocks(text) for text in texts]


def test_a_shape_over_the_form_limit_is_refused_with_the_limit_named(author: User) -> None:
    text = "<div>" * 200_000 + "deep"  # 1,000,004 characters
    response = client_for(author).post("/works/new/", work_form(text, "html"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "at most 510000 characters" in page or "at most 510,000 characters" in page
    assert not Work.objects.exists() and not Chapter.objects.exists()
