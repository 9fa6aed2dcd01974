"""The reading page in a real browser: the writer's alignment survives (as the site's own
classes, under a strict CSP), and the comment control beside a paragraph opens the form
right under that paragraph, names it by its first words, and is never copied with it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import WORK_URL, NewContext, SignUp, label, work_id_of

pytestmark = pytest.mark.browser

STORY = (
    '<p align="center">Part One: The Lighthouse</p>\n'
    "<p>The keeper climbed the stairs every evening at six.</p>\n"
    "<p>Nobody on the island remembered a night without the lamp.</p>\n"
    '<div align="right"><p>— from the keeper\'s log</p></div>\n'
    '<p style="text-align: justify">A justified paragraph that runs on for a while.</p>'
)


def post_html_work(page: Page, title: str, text: str) -> int:
    page.goto("/works/new/")
    page.get_by_label(label("Title")).fill(title)
    page.get_by_label(label("Rating")).select_option("general")
    page.get_by_label("No Archive Warnings Apply", exact=True).check()
    page.get_by_label(label("Fandoms")).fill("Original Work")
    page.get_by_label(label("Text format")).select_option("html")
    page.get_by_label(label("Work text")).fill(text)
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_url(WORK_URL)
    return work_id_of(page.url)


def text_align(page: Page, text: str) -> str:
    paragraph = page.locator(".chapter-text p", has_text=text)
    return str(paragraph.evaluate("p => getComputedStyle(p).textAlign"))


def test_the_writers_alignment_survives(new_context: NewContext, sign_up: SignUp) -> None:
    writer = new_context().new_page()
    sign_up(writer, "alwriter")
    work_id = post_html_work(writer, "Aligned Lamp", STORY)
    reader = new_context().new_page()
    reader.goto(f"/works/{work_id}/")
    assert text_align(reader, "Part One: The Lighthouse") == "center"
    assert text_align(reader, "from the keeper") == "right"
    assert text_align(reader, "A justified paragraph") == "justify"
    assert text_align(reader, "The keeper climbed") in ("start", "left")


def test_the_paragraph_comment_control_stands_beside_the_paragraph(
    new_context: NewContext, sign_up: SignUp
) -> None:
    writer = new_context().new_page()
    sign_up(writer, "pcwriter")
    work_id = post_html_work(writer, "Paragraph Lamp", STORY)
    reader = new_context().new_page()
    sign_up(reader, "pcreader")
    reader.goto(f"/works/{work_id}/")

    second = reader.locator(".chapter-text p#p2")
    control = reader.get_by_role("link", name=re.compile("^Comment on the paragraph “The keeper"))
    expect(control).to_be_visible()
    # Beside the paragraph, not inside it: copying the paragraph copies no control.
    assert second.evaluate("p => p.querySelector('.paragraph-comment-link') === null")
    assert control.evaluate("a => a.nextElementSibling.id") == "p2"
    control_box = control.bounding_box()
    paragraph_box = second.bounding_box()
    assert control_box is not None and paragraph_box is not None
    assert control_box["y"] < paragraph_box["y"] + paragraph_box["height"]
    assert control_box["y"] + control_box["height"] > paragraph_box["y"]
    # An icon drawn by CSS (no emoji font): the control has no text of its own.
    assert control.evaluate("a => a.textContent") == ""

    control.click()
    form = reader.locator(".chapter-text form.comment-form")
    expect(form).to_be_visible()
    assert form.evaluate("f => f.previousElementSibling.id") == "p2"
    expect(form.locator("legend")).to_contain_text(
        "on the paragraph that begins “The keeper climbed the stairs every evening at six.”"
    )
    expect(form.get_by_label(label("Paragraph"))).to_have_count(0)
    expect(form.get_by_label(label("Comment"))).to_be_focused()
    form.get_by_label(label("Comment")).fill("Six every evening, never late.")
    form.get_by_role("button", name="Comment", exact=True).click()
    expect(reader.get_by_role("main")).to_contain_text("Six every evening, never late.")

    reader.goto(f"/works/{work_id}/")
    group = reader.locator(".paragraph-group[data-paragraph=p2]")
    expect(group).to_contain_text("The keeper climbed the stairs")
    expect(group).to_contain_text("Six every evening")
    counted = reader.get_by_role("link", name=re.compile(r"“The keeper.*\(1 comment so far\)"))
    expect(counted).to_have_text("1")

    # Selecting the paragraphs (one, or several at once) copies only the story's text.
    one = reader.evaluate(
        """() => {
            const range = document.createRange();
            range.selectNodeContents(document.querySelector('.chapter-text p#p2'));
            const selection = getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return selection.toString();
        }"""
    )
    assert one == "The keeper climbed the stairs every evening at six."
    several = reader.evaluate(
        """() => {
            const text = document.querySelector('.chapter-text');
            const range = document.createRange();
            range.setStartBefore(text.querySelector('p#p1'));
            range.setEndAfter(text.querySelector('p#p3'));
            const selection = getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return selection.toString();
        }"""
    )
    assert "The keeper climbed" in several and "without the lamp." in several
    assert "1" not in several, several
    copied = reader.evaluate(
        """() => new Promise(resolve => {
            document.addEventListener('copy', event => {
                resolve(getSelection().toString());
            }, { once: true });
            document.execCommand('copy');
        })"""
    )
    assert "1" not in copied


def test_without_javascript_the_control_leads_to_a_form_for_the_paragraph(
    new_context: NewContext, sign_up: SignUp
) -> None:
    writer = new_context().new_page()
    sign_up(writer, "njwriter")
    work_id = post_html_work(writer, "Plain Lamp", STORY)
    reader = new_context(java_script_enabled=False).new_page()
    sign_up(reader, "njreader")
    reader.goto(f"/works/{work_id}/")
    reader.get_by_role("link", name=re.compile("^Comment on the paragraph “Nobody on")).click()
    expect(reader.get_by_role("main")).to_contain_text("the paragraph that begins")
    expect(reader.locator("q.paragraph-quote-text")).to_have_text(
        "Nobody on the island remembered a night without the lamp."
    )
    reader.get_by_label(label("Comment")).fill("The lamp is the island.")
    reader.get_by_role("button", name="Comment", exact=True).click()
    reader.goto(f"/works/{work_id}/")
    expect(reader.locator(".paragraph-group[data-paragraph=p3]")).to_contain_text(
        "The lamp is the island."
    )
