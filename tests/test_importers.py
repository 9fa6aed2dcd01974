"""Importers: the three real story files exactly as shared/stories/README.md describes them
(when ../shared/ is there; tests/test_importers_own_stories.py covers the same behaviours on
the project's own stories), the shapes fan writers use, and every way a file can be bad."""

from __future__ import annotations

import codecs
import json
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ficarchive.formats.importers import (
    MAX_IMPORT_BYTES,
    ImportRejected,
    detect_format,
    parse_file,
)
from ficarchive.formats.importers.metadata import map_rating
from ficarchive.formats.parsed import ParsedWork
from tests.conftest import shared_file
from tests.htmlcheck import assert_nothing_executable


def story(name: str) -> ParsedWork:
    return parse_file(shared_file("stories", name).read_bytes(), filename=name)


def parse_text(text: str, *, fmt: str | None = None, title: str | None = None) -> ParsedWork:
    return parse_file(text.encode(), filename="story.txt", fmt=fmt, title=title)


def parse_markdown(text: str) -> ParsedWork:
    return parse_file(text.encode(), filename="story.md")


# ------------------------------------------------------- 000 (a real chapter)


@pytest.fixture(scope="module")
def chapter_000() -> ParsedWork:
    return story("000_c356fc4fa9ae2df1.txt")


def test_it_reads_the_000_work_notes_with_their_labels(chapter_000: ParsedWork) -> None:
    notes = chapter_000.notes
    assert notes.startswith("<p>Author's Note: As said in the summary, this is about Spike and")
    assert "\n<p>Disclaimer: The beginning of this story uses a made-up concept" in notes
    assert notes.count("<p>") == 2
    assert notes.endswith("Everything else is original, though.</p>")
    assert chapter_000.end_notes == ""


def test_it_reads_the_000_chapter(chapter_000: ParsedWork) -> None:
    assert len(chapter_000.chapters) == 1
    chapter = chapter_000.chapters[0]
    assert chapter.title == ""
    assert chapter.notes == chapter.end_notes == ""
    assert chapter.html.startswith(
        '<p id="p1">The way I recall the events now, everything was gray.'
    )
    assert chapter.html.endswith("I woke to a day that wasn't going to be like any other.</p>")
    assert chapter.paragraphs == 115
    assert f'id="p{chapter.paragraphs}"' in chapter.html
    assert chapter.word_count == 4244
    assert chapter_000.word_count == 4244
    assert "Author's Note" not in chapter.html
    assert "Disclaimer" not in chapter.html


def test_it_leaves_no_backtick_in_the_000_work(chapter_000: ParsedWork) -> None:
    output = json.dumps(chapter_000.to_json(), ensure_ascii=False)
    assert "`" not in output
    assert "Author's Note" in chapter_000.notes
    assert "Spike and Julia's past" in chapter_000.notes
    assert "Vicious's" in chapter_000.chapters[0].html
    assert "didn't" in chapter_000.chapters[0].html


def test_it_keeps_the_words_around_the_lost_link(chapter_000: ParsedWork) -> None:
    assert (
        'a fanfiction called "Wind and Sea in A Minor" by Melissa that is hosted at explains'
        in chapter_000.notes
    )


def test_it_leaves_the_000_metadata_to_the_author(chapter_000: ParsedWork) -> None:
    work = chapter_000
    assert (work.author, work.summary, work.rating, work.language) == ("",) * 4
    assert work.fandoms == work.characters == work.relationships == work.tags == []
    assert work.archive_warnings == work.categories == []
    assert work.complete is None
    assert work.encoding == "utf-8"
    # No title in the file: the file name is the title, and the writer is told.
    assert work.title == "000 c356fc4fa9ae2df1"
    assert len(work.warnings) == 1
    assert "titled “000 c356fc4fa9ae2df1” after its file name" in work.warnings[0]


def test_it_suggests_the_000_characters_by_frequency(chapter_000: ParsedWork) -> None:
    # The chapter names Vicious 21 times, Julia 14 and Spike 6, twice as "Spike Spiegel"
    # (README lists the three names; the counts in the file put Vicious first). The surname
    # never comes alone, so the name is not split; "on Earth" is a place.
    suggested = chapter_000.suggested_characters
    assert suggested[:3] == ["Vicious", "Julia", "Spike Spiegel"]
    assert len(suggested) <= 10
    for word in ("The", "But", "I", "And", "Gray", "She", "Spiegel", "Spike", "Earth"):
        assert word not in suggested


def test_it_takes_the_title_from_the_caller() -> None:
    work = parse_file(
        shared_file("stories", "000_c356fc4fa9ae2df1.txt").read_bytes(),
        filename="000.txt",
        title="  Gray   Days ",
    )
    assert work.title == "Gray Days"
    assert work.warnings == []


# -------------------------------------------- rain over ganymede (cp1252, CRLF)


@pytest.fixture(scope="module")
def rain() -> ParsedWork:
    return story("rain-over-ganymede.cp1252.txt")


def test_it_reads_the_rain_header(rain: ParsedWork) -> None:
    assert rain.title == "Rain over Ganymede"
    assert rain.author == "quietorbit"
    assert rain.fandoms == ["The Long Dark Between (Original Verse)"]
    assert rain.rating == "Teen And Up Audiences"
    assert rain.characters == ["Mira Okafor", "Tobias Lind"]
    assert rain.relationships == ["Mira/Tobias"]
    assert rain.summary == (
        "<p>Two dock workers, one broken airlock, and a storm that isn't supposed to exist "
        "under a dome.</p>"
    )


def test_it_reads_the_rain_notes(rain: ParsedWork) -> None:
    assert rain.notes == (
        "<p>Disclaimer: The dome-weather idea comes from a story I read years ago; everything "
        "else is mine.</p>\n<p>A/N: This is my first multi-chapter fic in ages, so please be "
        "gentle. Reviews are always welcome!</p>"
    )
    assert rain.end_notes == (
        "<p>A/N: That's it for now! Let me know what you think - R&amp;R please :)</p>"
    )


def test_it_reads_the_rain_chapters(rain: ParsedWork) -> None:
    assert [c.title for c in rain.chapters] == ["The Long Shift", "Pressure", "The Airlock"]
    first, second, third = rain.chapters
    assert first.end_notes == (
        "<p>A/N: Thanks for reading chapter one! Chapter two is already half-written.</p>"
    )
    assert second.end_notes == third.end_notes == ""
    assert first.notes == second.notes == third.notes == ""
    assert first.html.startswith('<p id="p1">Mira had worked the night shift at Dock Nine')
    assert third.html.endswith("did not let go until the engineers came.</p>")
    for chapter in rain.chapters:
        assert "A/N" not in chapter.html
        assert "Chapter" not in chapter.html
        assert chapter.word_count > 0
        assert chapter.paragraphs == chapter.html.count("<p id=")


def test_it_makes_both_rain_scene_break_styles_rules(rain: ParsedWork) -> None:
    first, second, third = rain.chapters
    assert first.html.count("<hr>") == 1
    assert second.html.count("<hr>") == 1
    assert "<hr>" not in third.html
    output = json.dumps(rain.to_json(), ensure_ascii=False)
    assert "* * *" not in output
    assert "~*~*~" not in output


def test_it_decodes_rain_curly_quotes_without_mojibake(rain: ParsedWork) -> None:
    output = json.dumps(rain.to_json(), ensure_ascii=False)
    assert "“Tobias,” she said into the comm. “Tell me you’re seeing this.”" in output
    for character in ("’", "“", "”"):
        assert character in output
    assert "â€" not in output
    assert "\\r" not in output


def test_it_reports_the_rain_encoding(rain: ParsedWork) -> None:
    assert rain.encoding == "windows-1252"
    assert rain.warnings[0].startswith("Decoded as Windows-1252 (not UTF-8).")
    assert len(rain.warnings) == 1
    assert rain.suggested_characters[:2] == ["Tobias", "Mira"]


# ------------------------------------------------------- small hours (Markdown)


@pytest.fixture(scope="module")
def small_hours() -> ParsedWork:
    return story("small-hours.md")


def test_it_reads_the_small_hours_front_matter(small_hours: ParsedWork) -> None:
    work = small_hours
    assert work.title == "The Small Hours"
    assert work.author == "lanternfish"
    assert work.fandoms == ["Harbor Lights (Original Verse)"]
    assert work.rating == "General Audiences"
    assert work.archive_warnings == ["No Archive Warnings Apply"]
    assert work.categories == ["Gen"]
    assert work.characters == ["Old Wen", "Pip"]
    assert work.relationships == []
    assert work.tags == ["Found Family", "Lighthouses", "Hurt/Comfort", "Short & Sweet"]
    assert work.language == "en"
    assert work.complete is True
    assert work.summary == (
        "<p>Old Wen keeps the lighthouse. Pip keeps Old Wen.\n"
        "A story about <em>small</em> kindnesses.</p>\n"
    )
    assert work.notes == (
        '<p>Written for a friend who asked for "something with a lighthouse and no death".</p>\n'
    )
    assert work.encoding == "utf-8"
    assert work.warnings == []


def test_it_splits_small_hours_at_its_chapter_headings(small_hours: ParsedWork) -> None:
    assert [c.title for c in small_hours.chapters] == ["Lamp Oil", "Fog"]
    first, second = small_hours.chapters
    assert first.html.startswith('<p id="p1">Old Wen climbed the <strong>ninety-one</strong> steps')
    assert first.html.count("<hr>") == 1  # the front matter's --- lines are not breaks
    assert '<blockquote>\n<p id="p6">"I walked," Pip insisted.' in first.html
    assert "<em>that was the job</em>" in second.html
    assert "<h1>" not in first.html + second.html
    assert second.html.endswith("But the next night, Pip climbed first.</p>\n")
    assert (first.paragraphs, second.paragraphs) == (6, 6)
    assert small_hours.word_count == first.word_count + second.word_count


def test_it_detects_small_hours_as_markdown() -> None:
    data = shared_file("stories", "small-hours.md").read_bytes()
    assert detect_format(data, "small-hours.md") == "markdown"
    assert detect_format(data, "upload") == "markdown"
    assert detect_format(data, "small-hours.txt") == "markdown"  # front matter wins


# --------------------------------------------------------- plain-text shapes


def test_it_imports_a_single_chapter_without_heading_or_notes() -> None:
    work = parse_text("Title: One\n\nJust one paragraph.\n\nAnd another.")
    assert work.title == "One"
    assert len(work.chapters) == 1
    assert work.chapters[0].title == ""
    assert work.chapters[0].paragraphs == 2
    assert work.notes == work.end_notes == ""


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("Chapter 1: The Long Shift", "The Long Shift"),
        ("Chapter Two - Pressure", "Pressure"),
        ("CHAPTER ONE", ""),
        ("Chapter 12", ""),
        ("Chapter IV", ""),
        ("Chapter twenty-one: Late", "Late"),
        ("Chapter 3. Dawn", "Dawn"),
        ("Chapter 3 — Dawn", "Dawn"),
        ("Chapter 3 (Dawn)", "Dawn"),
        ("Chapter 3 The Airlock", "The Airlock"),
        ("Ch. 5: Five", "Five"),
        ("**Chapter 6: Bold**", "Bold"),
        ("~*~ Chapter 7 ~*~", ""),
        ("Prologue", "Prologue"),
        ("Epilogue: After", "Epilogue: After"),
    ],
)
def test_it_recognizes_chapter_headings(heading: str, title: str) -> None:
    work = parse_text(f"Intro: no.\n\n{heading}\n\nText of the chapter.\n\nChapter 99\n\nMore.")
    assert work.chapters[0].title == title
    assert work.chapters[0].html == '<p id="p1">Text of the chapter.</p>'


@pytest.mark.parametrize(
    "line",
    [
        "Chapter one was the hardest thing she had ever read.",
        "Chapters are hard.",
        "Prologues bore me.",
        "The chapter 1 of my life.",
        "Chapter Civil War",
    ],
)
def test_it_keeps_sentences_about_chapters_as_text(line: str) -> None:
    work = parse_text(f"Before.\n\n{line}\n\nAfter.")
    assert len(work.chapters) == 1
    assert line in work.chapters[0].html


def test_it_imports_prologue_chapters_and_epilogue() -> None:
    work = parse_text(
        "Prologue\n\nIt began.\n\nChapter 1\n\nIt went on.\n\nEpilogue\n\nIt ended.\n\nA/N: Thanks!"
    )
    assert [c.title for c in work.chapters] == ["Prologue", "", "Epilogue"]
    assert work.end_notes == "<p>A/N: Thanks!</p>"


def test_it_reads_bare_roman_numerals_as_headings_only_when_they_count_up() -> None:
    work = parse_text("I.\n\nOne.\n\nII.\n\nTwo.\n\nIII.\n\nThree.")
    assert [c.html for c in work.chapters] == [
        '<p id="p1">One.</p>',
        '<p id="p1">Two.</p>',
        '<p id="p1">Three.</p>',
    ]
    single = parse_text("She said:\n\nI.\n\nThat was all.")
    assert len(single.chapters) == 1
    assert '<p id="p2">I.</p>' in single.chapters[0].html


def test_it_splits_a_heading_off_the_paragraph_under_it() -> None:
    work = parse_text("Chapter 1: Start\nIt was dark.\n\nChapter 2\nIt was light.")
    assert [(c.title, c.html) for c in work.chapters] == [
        ("Start", '<p id="p1">It was dark.</p>'),
        ("", '<p id="p1">It was light.</p>'),
    ]


def test_it_places_notes_before_between_and_after_chapters() -> None:
    work = parse_text(
        "Title: Notes\n\nA/N: work note\n\nChapter 1\n\nAuthor's Note: ch1 start\n\nText one."
        "\n\nNote: ch1 end\n\nChapter 2\n\nText two.\n\nDisclaimer: not mine\n\n(A/N: bye)"
    )
    first, second = work.chapters
    assert work.notes == "<p>A/N: work note</p>"
    assert first.notes == "<p>Author's Note: ch1 start</p>"
    assert first.end_notes == "<p>Note: ch1 end</p>"
    assert second.notes == second.end_notes == ""
    assert work.end_notes == "<p>Disclaimer: not mine</p>\n<p>(A/N: bye)</p>"


def test_it_keeps_a_bracketed_note_over_several_paragraphs_together() -> None:
    work = parse_text(
        "[A/N: This is a long note.\n\nIt goes on.\n\nAnd ends here.]\n\nThe story starts."
        "\n\n[A/N: end]"
    )
    assert work.notes == (
        "<p>[A/N: This is a long note.</p>\n<p>It goes on.</p>\n<p>And ends here.]</p>"
    )
    assert work.chapters[0].html == '<p id="p1">The story starts.</p>'
    assert work.end_notes == "<p>[A/N: end]</p>"


def test_it_keeps_notes_in_the_middle_of_a_chapter_as_text() -> None:
    work = parse_text("One.\n\nA/N: mid-story aside\n\nTwo.")
    assert work.notes == work.end_notes == ""
    assert "A/N: mid-story aside" in work.chapters[0].html


def test_it_reads_crlf_and_a_bom() -> None:
    data = codecs.BOM_UTF8 + "Title: Café\r\n\r\nLine one\r\nline two\r\n\r\nNext.".encode()
    work = parse_file(data, filename="x.txt")
    assert work.title == "Café"
    assert work.encoding == "utf-8-sig"
    assert work.chapters[0].html == '<p id="p1">Line one<br>\nline two</p>\n<p id="p2">Next.</p>'
    assert not any("Windows" in warning for warning in work.warnings)


def test_it_reads_utf16_files() -> None:
    data = codecs.BOM_UTF16_LE + "Title: Sixteen\r\n\r\nText.".encode("utf-16-le")
    work = parse_file(data, filename="x.txt")
    assert (work.title, work.encoding) == ("Sixteen", "utf-16")


def test_it_reads_a_title_and_by_line_at_the_top() -> None:
    work = parse_text("Rain over Ganymede\nby quietorbit\n\nStory text.")
    assert (work.title, work.author) == ("Rain over Ganymede", "quietorbit")
    assert work.chapters[0].html == '<p id="p1">Story text.</p>'


def test_it_reads_a_summary_from_the_paragraph_after_its_label() -> None:
    work = parse_text("Title: T\nSummary:\n\nA long summary.\n\nStory.")
    assert work.summary == "<p>A long summary.</p>"
    assert work.chapters[0].html == '<p id="p1">Story.</p>'


def test_it_maps_header_lists_warnings_categories_and_status() -> None:
    work = parse_text(
        "Title: T\nFandoms: A, B; C\nRelationships: A/B, C & D\nWarnings: MCD, violence, "
        "spiders\nCategory: slash, M/F\nTags: fluff, angst, fluff\nLanguage: Deutsch\n"
        "Status: WIP\nWords: 1,234\n\nStory."
    )
    assert work.fandoms == ["A", "B", "C"]
    assert work.relationships == ["A/B", "C & D"]
    assert work.archive_warnings == ["Major Character Death", "Graphic Depictions Of Violence"]
    assert work.categories == ["M/M", "F/M"]
    assert work.tags == ["spiders", "fluff", "angst"]  # an unknown warning is kept as a tag
    assert work.language == "de"
    assert work.complete is False
    assert any("“spiders”" in warning for warning in work.warnings)


@pytest.mark.parametrize(
    ("rating", "canonical"),
    [
        ("K", "General Audiences"),
        ("K+", "General Audiences"),
        ("G", "General Audiences"),
        ("General Audiences", "General Audiences"),
        ("T", "Teen And Up Audiences"),
        ("PG", "Teen And Up Audiences"),
        ("PG-13", "Teen And Up Audiences"),
        ("Teen And Up Audiences", "Teen And Up Audiences"),
        ("M", "Mature"),
        ("R", "Mature"),
        ("rated M for language", "Mature"),
        ("MA", "Explicit"),
        ("E", "Explicit"),
        ("NC-17", "Explicit"),
        ("X", "Explicit"),
        ("explicit", "Explicit"),
        ("Not Rated", "Not Rated"),
        ("Q", None),
    ],
)
def test_it_maps_ratings(rating: str, canonical: str | None) -> None:
    assert map_rating(rating) == canonical


def test_it_warns_about_an_unknown_rating() -> None:
    work = parse_text("Title: T\nRating: Q\n\nStory.")
    assert work.rating == ""
    assert work.warnings == ["Unknown rating “Q” in the header: choose the rating when you post."]


def test_it_does_not_take_a_warning_sentence_for_a_header() -> None:
    long_warning = "Warning: " + "this chapter deals with grief and loss in detail, " * 4
    work = parse_text(f"{long_warning}\n\nStory.")
    assert work.archive_warnings == []
    assert "this chapter deals with grief" in work.chapters[0].html


def test_it_keeps_text_before_the_first_heading_as_notes_and_says_so() -> None:
    work = parse_text("Some intro words.\n\nChapter 1\n\nStory.")
    assert work.notes == "<p>Some intro words.</p>"
    assert any("before the first chapter heading" in warning for warning in work.warnings)


def test_it_leaves_out_headings_without_text_and_says_so() -> None:
    work = parse_text("Chapter 1\n\nStory.\n\nChapter 2\n\nA/N: hiatus, sorry")
    assert len(work.chapters) == 1
    assert work.chapters[0].end_notes == "<p>A/N: hiatus, sorry</p>"
    assert any("“Chapter 2” has no story text" in warning for warning in work.warnings)


# ------------------------------------------------------------ Markdown shapes


def test_it_takes_a_markdown_title_from_a_lone_h1_over_h2_chapters() -> None:
    work = parse_markdown(
        "# My Story\n\nby Someone\n\nSummary: A *tale*.\n\n## Chapter 1\n\nHello *there*.\n\n"
        "## Chapter 2: Two\n\nBye.\n\nA/N: thanks"
    )
    assert (work.title, work.author) == ("My Story", "Someone")
    assert work.summary == "<p>A <em>tale</em>.</p>\n"
    assert [c.title for c in work.chapters] == ["", "Two"]
    assert work.chapters[0].html == '<p id="p1">Hello <em>there</em>.</p>\n'
    assert work.end_notes == "<p>A/N: thanks</p>\n"
    assert work.warnings == []


def test_it_splits_markdown_at_plain_h1_headings() -> None:
    work = parse_markdown("# Arrival\n\nOne.\n\n# Departure\n\nTwo.\n\n## A section\n\nThree.")
    assert [c.title for c in work.chapters] == ["Arrival", "Departure"]
    assert "<h2>A section</h2>" in work.chapters[1].html
    assert work.title == "Story"  # the file name: no heading is the work's title


def test_it_takes_a_lone_markdown_h1_at_the_top_as_the_title() -> None:
    work = parse_markdown("# Only Title\n\nText.\n\n---\n\nMore.")
    assert work.title == "Only Title"
    assert len(work.chapters) == 1
    assert work.chapters[0].html == '<p id="p1">Text.</p>\n<hr>\n<p id="p2">More.</p>\n'


def test_it_reads_a_lone_chapter_like_h1_as_the_chapter() -> None:
    work = parse_markdown("---\ntitle: T\n---\n\n# Chapter 1: Start\n\nText.")
    assert (work.title, [c.title for c in work.chapters]) == ("T", ["Start"])


def test_it_reads_markdown_without_headings_as_one_chapter_with_notes() -> None:
    work = parse_markdown("Author's Note: hi\n\nText *here*.\n\n~*~*~\n\nMore.\n\nA/N: bye")
    assert work.notes == "<p>Author's Note: hi</p>\n"
    assert work.chapters[0].html == (
        '<p id="p1">Text <em>here</em>.</p>\n<hr>\n<p id="p2">More.</p>\n'
    )
    assert work.end_notes == "<p>A/N: bye</p>\n"


def test_it_reads_front_matter_lists_and_strings_alike() -> None:
    work = parse_markdown(
        "---\ntitle: 'Q: A'\nfandoms: [A, B]\ncharacters: C, D\nrating: M\nwarnings:\n"
        "  - Major Character Death\n  - Rape/Non-Con\ncategories: F/F, Multi\nlanguage: no\n"
        "complete: false\nend_notes: '*bye*'\npublished: 2020-01-01\nmood: sad\n---\n\nText."
    )
    assert work.title == "Q: A"
    assert work.fandoms == ["A", "B"]
    assert work.characters == ["C", "D"]
    assert work.rating == "Mature"
    assert work.archive_warnings == ["Major Character Death", "Rape/Non-Con"]
    assert work.categories == ["F/F", "Multi"]
    assert work.language == "no"
    assert work.complete is False
    assert work.end_notes == "<p><em>bye</em></p>\n"
    assert work.warnings == ["Ignored front matter keys the archive does not use: “mood”."]


def test_it_rejects_front_matter_that_is_not_yaml() -> None:
    with pytest.raises(ImportRejected) as error:
        parse_markdown("---\ntitle: [unclosed\n---\n\nText.")
    assert "front matter" in str(error.value)
    assert "line" in str(error.value)


def test_it_survives_hostile_front_matter() -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    work = parse_markdown(f"---\n{laughs}tags: *i\ntitle: *i\ncomplete: *i\n---\n\nText.")
    assert work.tags == []
    assert work.chapters[0].html == '<p id="p1">Text.</p>\n'
    for hostile in ("title: " + "[" * 5000 + "]" * 5000, "title: " + "9" * 5000, "? [a]\n: b"):
        with pytest.raises(ImportRejected, match="front matter"):
            parse_markdown(f"---\n{hostile}\n---\n\nText.")


def test_it_reads_a_rule_at_the_top_of_markdown_as_text_not_front_matter() -> None:
    work = parse_markdown("---\nJust a line\n---\n\nText.")
    assert work.title == "Story"  # from the file name, not the "front matter"
    assert "Text." in work.chapters[0].html


# ---------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"plain", "story.md", "markdown"),
        (b"plain", "story.MARKDOWN", "markdown"),
        (b"# Heading\n\ntext", "story.txt", "text"),
        (b"# Heading\n\ntext", "", "markdown"),
        (b"Chapter 1\n\ntext\n\n#\n\nmore", "upload", "text"),
        (b"---\ntitle: x\n---\ntext", "", "markdown"),
        (b"Title: x\n\ntext", "C:\\fics\\story", "text"),
    ],
)
def test_it_detects_the_format(data: bytes, filename: str, expected: str) -> None:
    assert detect_format(data, filename) == expected


def test_it_accepts_format_names_and_rejects_unknown_ones() -> None:
    assert parse_file(b"# Not a heading", filename="x", fmt="text").chapters[0].html == (
        '<p id="p1"># Not a heading</p>'
    )
    assert parse_file(b"*em*", fmt="md").chapters[0].html == '<p id="p1"><em>em</em></p>\n'
    with pytest.raises(ImportRejected, match="Unknown import format “rtf”"):
        parse_file(b"text", fmt="rtf")


# ---------------------------------------------------------------- bad files


def _rejection(data: bytes, filename: str = "story.txt") -> str:
    with pytest.raises(ImportRejected) as error:
        parse_file(data, filename=filename)
    return str(error.value)


def test_it_rejects_an_empty_file() -> None:
    assert _rejection(b"") == "The file is empty. Choose the file that holds your story."


@pytest.mark.parametrize("data", [b" \n\t\r\n ", codecs.BOM_UTF8 + b"\n\n", b"\x00" * 0 + b"\x0c"])
def test_it_rejects_a_file_of_blank_space(data: bytes) -> None:
    assert "no text in it" in _rejection(data)


def test_it_rejects_binary_junk_with_nuls() -> None:
    message = _rejection(b"ab\x00\x00cd\x00" * 50)
    assert "does not look like text" in message
    assert "UTF-8" in message


def test_it_rejects_random_bytes() -> None:
    data = random.Random(1234).randbytes(4096)
    assert "UTF-8" in _rejection(data)


def test_it_rejects_bytes_undefined_in_windows_1252() -> None:
    message = _rejection(b"Chapter 1\n\nSome text \x81 and more.")
    assert "0x81" in message
    assert "neither UTF-8 nor Windows-1252" in message


def test_it_rejects_a_file_over_the_size_limit() -> None:
    message = _rejection(b"a" * (MAX_IMPORT_BYTES + 1))
    assert "10.0 MB" in message
    assert "Split" in message


def test_it_accepts_a_file_at_the_size_limit() -> None:
    data = (b"word " * (MAX_IMPORT_BYTES // 5))[:MAX_IMPORT_BYTES]
    assert parse_file(data, filename="big.txt").word_count > 2_000_000


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"PK\x03\x04rest-of-a-docx", "ZIP archive"),
        (b"%PDF-1.7\n...", "PDF document"),
        (b"{\\rtf1\\ansi hello}", "RTF"),
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
    ],
)
def test_it_names_documents_that_are_not_text(data: bytes, what: str) -> None:
    message = _rejection(data)
    assert what in message
    assert "save it as plain text" in message


def test_it_imports_html_files_by_name() -> None:
    work = parse_file(b"<p>x y</p>", filename="story.html")
    assert work.chapters[0].html == '<p id="p1">x y</p>'


def test_it_rejects_a_file_without_story_text() -> None:
    message = _rejection(b"Title: Only a header\nRating: T\n\nA/N: and a note")
    assert message.startswith("No story text found in the file")


# -------------------------------------------------------------------- fuzz

# FICARCHIVE_FUZZ_EXAMPLES=5000 runs a deeper search (the default keeps the suite fast).
FUZZ = settings(
    max_examples=int(os.environ.get("FICARCHIVE_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

LINES = [
    "Title: T", "Rating: M", "Summary:", "Characters: A, B", "Warnings: none", "Chapter 1",
    "Chapter Two - X", "CHAPTER ONE", "Prologue", "Epilogue", "I.", "II.", "A/N: note",
    "[A/N: open", "close]", "Disclaimer: mine", "* * *", "~*~*~", "---", "#", "o0o", "# H1",
    "## H2", "---\ntitle: x\n---", "title: [", "by Someone", "didn`t", "don''t", "<script>",
    "<b>x</b>", "> quote", "```", "~~~", "", "\t", "Text.", "Julia said.", "\x00", "\u2029",
]  # fmt: skip
story_text = st.lists(st.one_of(st.sampled_from(LINES), st.text(max_size=20)), max_size=30)


def _check_parsed(work: ParsedWork) -> None:
    assert work.chapters
    for chapter in work.chapters:
        assert chapter.word_count > 0
        assert_nothing_executable(chapter.html)
        assert_nothing_executable(chapter.notes + chapter.end_notes)
    assert_nothing_executable(work.summary + work.notes + work.end_notes)
    json.dumps(work.to_json())


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["x.txt", "x.md", "x", "x.html"]))
def test_it_only_ever_rejects_binary_input_cleanly(data: bytes, filename: str) -> None:
    try:
        work = parse_file(data, filename=filename)
    except ImportRejected as error:
        assert str(error)
    else:
        _check_parsed(work)


@FUZZ
@given(story_text, st.sampled_from(["text", "markdown"]), st.sampled_from(["utf-8", "cp1252"]))
def test_it_only_ever_rejects_story_shaped_input_cleanly(
    lines: list[str], fmt: str, encoding: str
) -> None:
    data = "\n\n".join(lines).encode(encoding, errors="ignore")
    try:
        work = parse_file(data, filename="story", fmt=fmt)
    except ImportRejected as error:
        assert str(error)
    else:
        _check_parsed(work)


def test_it_serializes_every_documented_key() -> None:
    work = story("rain-over-ganymede.cp1252.txt").to_json()
    assert set(work) == {
        "title", "author", "summary", "notes", "end_notes", "rating", "archive_warnings",
        "categories", "fandoms", "characters", "relationships", "tags", "language",
        "complete", "published", "updated", "series", "word_count", "chapters",
        "suggested_characters", "encoding", "warnings",
    }  # fmt: skip
    chapters = work["chapters"]
    assert isinstance(chapters, list)
    assert set(chapters[0]) == {
        "title", "summary", "notes", "end_notes", "html", "word_count", "paragraphs"
    }  # fmt: skip
