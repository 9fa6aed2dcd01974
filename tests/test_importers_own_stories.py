"""The project's own story files (tests/stories/, see its README): the behaviours that the
tests on ../shared/stories/ check, on files that are always in the clone."""

from __future__ import annotations

import json

import pytest

from ficarchive.formats.importers import detect_format, parse_file
from ficarchive.formats.parsed import ParsedWork
from tests.conftest import OWN_STORIES


def own_story(name: str) -> ParsedWork:
    return parse_file((OWN_STORIES / name).read_bytes(), filename=name)


@pytest.fixture(scope="module")
def lantern() -> ParsedWork:
    return own_story("lantern-notes.txt")


@pytest.fixture(scope="module")
def tides() -> ParsedWork:
    return own_story("tides-of-callisto.cp1252.txt")


@pytest.fixture(scope="module")
def lamplight() -> ParsedWork:
    return own_story("lamplight.md")


def test_it_keeps_the_labelled_notes_out_of_the_chapter(lantern: ParsedWork) -> None:
    assert lantern.notes.startswith("<p>Author's Note: This is the first thing I've posted")
    assert "\n<p>Disclaimer: The idea of a lighthouse that sings" in lantern.notes
    assert lantern.notes.count("<p>") == 2
    chapter = lantern.chapters[0]
    assert len(lantern.chapters) == 1
    assert chapter.html.startswith('<p id="p1">The way I remember it now, the whole coast')
    assert chapter.html.endswith("I woke to a day that wasn't going to be like any other.</p>")
    assert (chapter.paragraphs, chapter.word_count) == (11, 297)
    assert "Author's Note" not in chapter.html and "Disclaimer" not in chapter.html


def test_it_turns_every_backtick_into_an_apostrophe(lantern: ParsedWork) -> None:
    assert (OWN_STORIES / "lantern-notes.txt").read_text().count("`") > 15
    assert "`" not in json.dumps(lantern.to_json(), ensure_ascii=False)
    assert "Teodor's hands" in lantern.chapters[0].html
    assert "didn't" in lantern.chapters[0].html
    assert "by Orla that is hosted at explains where" in lantern.notes


def test_it_suggests_the_names_the_story_uses(lantern: ParsedWork) -> None:
    assert lantern.suggested_characters[:2] == ["Teodor", "Ash"]


def test_it_reads_a_header_block(tides: ParsedWork) -> None:
    assert tides.title == "Tides of Callisto"
    assert tides.author == "saltmarsh"
    assert tides.fandoms == ["The Quiet Moons (Original Verse)"]
    assert tides.rating == "Teen And Up Audiences"
    assert tides.characters == ["Ines Varga", "Rook Amari"]
    assert tides.relationships == ["Ines/Rook"]
    assert tides.summary.startswith("<p>A tide that shouldn’t exist")


def test_it_puts_each_note_where_it_belongs(tides: ParsedWork) -> None:
    assert tides.notes == (
        "<p>Disclaimer: The idea of tides under ice comes from an astronomy lecture I "
        "half-remember; everything else is mine.</p>\n<p>A/N: First long fic in a while – "
        "comments make my week!</p>"
    )
    assert (
        tides.end_notes
        == "<p>A/N: That’s all for now! Tell me what you think – R&amp;R please :)</p>"
    )
    first, second, third = tides.chapters
    assert first.end_notes.startswith("<p>A/N: Thanks for reading chapter one!")
    assert second.end_notes == third.end_notes == ""


def test_it_splits_chapters_and_scene_breaks(tides: ParsedWork) -> None:
    assert [c.title for c in tides.chapters] == ["The Night Watch", "Undertow", "The Harbour"]
    assert [c.html.count("<hr>") for c in tides.chapters] == [1, 1, 0]
    output = json.dumps(tides.to_json(), ensure_ascii=False)
    assert "* * *" not in output and "~*~*~" not in output
    for chapter in tides.chapters:
        assert "A/N" not in chapter.html and "Chapter" not in chapter.html


def test_it_decodes_windows_1252_quotes_without_mojibake(tides: ParsedWork) -> None:
    output = json.dumps(tides.to_json(), ensure_ascii=False)
    assert "“Rook,” she said into the radio. “Tell me the pier isn’t wet.”" in output
    assert "â€" not in output and "\\r" not in output
    assert tides.encoding == "windows-1252"
    assert tides.warnings[0].startswith("Decoded as Windows-1252")


def test_it_reads_markdown_front_matter(lamplight: ParsedWork) -> None:
    work = lamplight
    assert (work.title, work.author) == ("Lamplight", "wickandember")
    assert work.fandoms == ["Harbor Lights (Original Verse)"]
    assert work.rating == "General Audiences"
    assert work.archive_warnings == ["No Archive Warnings Apply"]
    assert work.categories == ["Gen"]
    assert work.characters == ["Bram", "Nettle"]
    assert work.tags == ["Found Family", "Candles", "Hurt/Comfort", "Rain & Wind"]
    assert (work.language, work.complete) == ("en", True)
    assert (
        work.summary
        == "<p>Bram makes candles. Nettle sells them.\nA story about <em>warm</em> rooms.</p>\n"
    )
    assert work.warnings == []


def test_it_splits_markdown_at_its_chapter_headings(lamplight: ParsedWork) -> None:
    assert [c.title for c in lamplight.chapters] == ["Wick", "Ember"]
    first, second = lamplight.chapters
    assert first.html.count("<hr>") == 1
    assert '<blockquote>\n<p id="p6">"I knocked," Nettle insisted.' in first.html
    assert "<strong>sixty-four</strong>" in first.html
    assert "<em>that was the trade</em>" in second.html
    data = (OWN_STORIES / "lamplight.md").read_bytes()
    assert detect_format(data, "lamplight.txt") == "markdown"
