"""A work downloaded from this archive as EPUB or HTML and imported again comes back the
same: title, summary, notes, end notes, tags, rating, language, chapter titles, chapter notes
and chapter text (compared as normalized text)."""

from __future__ import annotations

import pytest

from ficarchive.accounts.models import User
from ficarchive.formats.actions import import_parsed_work, work_language
from ficarchive.formats.downloads import export_bytes
from ficarchive.formats.importers import parse_file
from ficarchive.tags.models import TagType
from ficarchive.text import html_to_text
from ficarchive.works.actions import ChapterInput, WorkInput, add_chapter, post_work
from ficarchive.works.models import Work
from tests.conftest import hostile_corpus

pytestmark = pytest.mark.django_db

TAG_TYPES = (
    TagType.WARNING,
    TagType.CATEGORY,
    TagType.FANDOM,
    TagType.RELATIONSHIP,
    TagType.CHARACTER,
    TagType.FREEFORM,
)


def text(html: str) -> str:
    return " ".join(html_to_text(html, sanitized=True).split())


def rich_work(user: User, *, title: str = "Stone & Bridge: a <Tale>", language: str = "ja") -> Work:
    data = WorkInput(
        title=title,
        summary='Two pilots, *one* bridge & a "quiet" storm.',
        notes="Written for **Bebop Week**.\n\nThanks to [my beta](https://example.org/beta).",
        end_notes="Thank you for reading!",
        text_format="markdown",
        rating="mature",
        warnings=["Creator Chose Not To Use Archive Warnings", "Major Character Death"],
        categories=["F/F", "Gen"],
        fandoms=["Cowboy Bebop", "カウボーイビバップ"],
        relationships=["Julia/Spike Spiegel", "Faye Valentine/Julia"],
        characters=["Spike Spiegel", "Faye Valentine", "Julia"],
        freeforms=["Rain", "Angst", "Hurt/Comfort"],
        language=language,
        complete=True,
        expected_chapters=3,
    )
    first = ChapterInput(
        text=(
            "The rain *never* stopped under the dome.\n\n* * *\n\n"
            '> "You came back," Julia said.\n\n- one\n- two\n\n雨が降っていた。'
        ),
        text_format="markdown",
        title="Chapter 5: Lamp Oil",
        summary="Where it starts.",
        notes="A/N: set after the series.",
        end_notes="More soon.",
    )
    work = post_work(user, data, first)
    add_chapter(
        user,
        work,
        ChapterInput(text="Fog.\n\nMore fog, and a <b>bold</b> gull.", text_format="text"),
    )
    add_chapter(
        user,
        work,
        ChapterInput(
            text="<p>The end &amp; after.</p><hr><p>Really.</p>",
            text_format="html",
            title="Epilogue (draft)",
            notes="Last one.",
        ),
    )
    return Work.objects.for_listing().get(pk=work.pk)


def assert_same(original: Work, copy: Work) -> None:
    assert copy.title == original.title
    assert copy.rating == original.rating
    assert copy.language == original.language
    assert copy.complete == original.complete
    for field in ("summary_html", "notes_html", "end_notes_html"):
        assert text(getattr(copy, field)) == text(getattr(original, field)), field
    for tag_type in TAG_TYPES:
        names = [tag.name for tag in original.tags_of(tag_type)]  # in the writer's order
        assert [tag.name for tag in copy.tags_of(tag_type)] == names, tag_type
    before = list(original.chapters.order_by("position"))
    after = list(copy.chapters.order_by("position"))
    assert [c.title for c in after] == [c.title for c in before]
    for old, new in zip(before, after, strict=True):
        assert text(new.html) == text(old.html)
        assert new.word_count == old.word_count
        assert new.html.count("<hr") == old.html.count("<hr")
        for field in ("summary_html", "notes_html", "end_notes_html"):
            assert text(getattr(new, field)) == text(getattr(old, field)), field
    assert copy.word_count == original.word_count


@pytest.mark.parametrize("fmt", ["epub", "html"])
def test_a_download_imports_back_the_same(author: User, reader: User, fmt: str) -> None:
    original = rich_work(author)
    data = export_bytes(original, fmt, include_drafts=False)
    parsed = parse_file(data, filename=f"download.{fmt}")
    assert parsed.author == "author"
    copy = import_parsed_work(reader, parsed)
    assert_same(original, Work.objects.for_listing().get(pk=copy.pk))


@pytest.mark.parametrize("fmt", ["epub", "html"])
def test_hostile_titles_and_tags_survive_the_round_trip(
    author: User, reader: User, fmt: str
) -> None:
    corpus = [s for s in hostile_corpus() if s.strip() and "," not in s]
    title = " ".join(corpus[40].split())[:200] or "x"
    original = rich_work(author, title=title, language="other")
    parsed = parse_file(export_bytes(original, fmt, include_drafts=False), filename=f"x.{fmt}")
    copy = import_parsed_work(reader, parsed)
    assert_same(original, Work.objects.for_listing().get(pk=copy.pk))


def test_it_maps_languages_onto_the_archive_choices() -> None:
    assert work_language("") == "en"
    assert work_language("pt-BR") == "pt-BR"  # AO3's languages (works/languages.py)
    assert work_language("pt_br") == "pt-BR"
    assert work_language("pt") == "pt"
    assert work_language("de-AT") == "de"
    assert work_language("FR") == "fr"
    assert work_language("fi") == "fi"
    assert work_language("xx-YY") == "other"


@pytest.mark.parametrize("fmt", ["epub", "html"])
def test_a_download_with_drafts_keeps_chapter_titles(author: User, fmt: str) -> None:
    work = rich_work(author)
    add_chapter(author, work, ChapterInput(text="Unposted.", title="Fog"), draft=True)
    work = Work.objects.for_listing().get(pk=work.pk)
    parsed = parse_file(export_bytes(work, fmt, include_drafts=True), filename=f"x.{fmt}")
    assert [c.title for c in parsed.chapters] == [
        "Chapter 5: Lamp Oil",
        "",
        # Known limit: in a file with drafts, the headings cannot tell a posted chapter
        # titled "Epilogue (draft)" from a draft called "Epilogue" (docs/import.md).
        "Epilogue",
        "Fog",
    ]
