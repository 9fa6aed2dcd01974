"""HTML and AO3-download importers: structure, metadata, notes, scene breaks, detection.

The AO3 files here are generated in the shape of otwarchive's download templates
(``#preface`` with ``dl.tags``, ``#chapters``, ``#afterword``), not copied from AO3."""

from __future__ import annotations

from html import escape

import pytest

from ficarchive.formats.importers import ImportRejected, detect_format, parse_file
from ficarchive.formats.parsed import ParsedWork
from tests.htmlcheck import assert_nothing_executable


def parse_html(markup: str, filename: str = "story.html") -> ParsedWork:
    return parse_file(markup.encode(), filename=filename)


# ------------------------------------------------------------------ generic


def test_it_reads_paragraphs_emphasis_and_the_title() -> None:
    work = parse_html(
        "<!DOCTYPE html><html lang='fr'><head><title>Le pont</title>"
        "<meta name='author' content='Mira'><style>p{color:red}</style>"
        "<script>alert(1)</script></head><body>"
        "<p>Il <em>pleuvait</em> sous le <b>dôme</b>.</p><p>Personne n'y croyait.</p>"
        "</body></html>"
    )
    assert work.title == "Le pont"
    assert work.author == "Mira"
    assert work.language == "fr"
    assert len(work.chapters) == 1
    assert work.chapters[0].html == (
        '<p id="p1">Il <em>pleuvait</em> sous le <b>dôme</b>.</p>\n'
        '<p id="p2">Personne n\'y croyait.</p>'
    )
    assert "alert" not in work.chapters[0].html
    assert work.word_count == 8


@pytest.mark.parametrize(
    "separator",
    [
        "<hr>",
        "<hr/>",
        '<p style="text-align: center">* * *</p>',
        "<center>~*~*~</center>",
        "<div class='break'>o0o</div>",
        "<p><strong>#</strong></p>",
    ],
)
def test_it_makes_scene_breaks(separator: str) -> None:
    work = parse_html(f"<p>Before the break.</p>{separator}<p>After the break.</p>")
    assert work.chapters[0].html == (
        '<p id="p1">Before the break.</p>\n<hr>\n<p id="p2">After the break.</p>'
    )


def test_it_splits_chapters_at_headings_under_a_title_heading() -> None:
    work = parse_html(
        "<h1>Rain over Ganymede</h1>"
        "<p>A/N: thanks to my beta.</p>"
        "<h2>Chapter 1: The Long Shift</h2><p>Mira worked nights.</p><p>A/N: short one!</p>"
        "<h2>Chapter 2: Pressure</h2><p>The dome hissed.</p>"
        "<h2>Chapter 3</h2><p>The airlock held.</p><p>Author's note: the end.</p>"
    )
    assert work.title == "Rain over Ganymede"
    assert [c.title for c in work.chapters] == ["The Long Shift", "Pressure", ""]
    assert work.notes == "<p>A/N: thanks to my beta.</p>"
    assert work.chapters[0].end_notes == "<p>A/N: short one!</p>"
    assert work.end_notes == "<p>Author's note: the end.</p>"
    assert work.chapters[1].html == '<p id="p1">The dome hissed.</p>'


def test_it_splits_chapters_at_bold_chapter_paragraphs() -> None:
    work = parse_html(
        "<p><b>Chapter One</b></p><p>First text.</p>"
        "<p><strong>Chapter Two - Fog</strong></p><p>Second text.</p>"
    )
    assert [(c.title, c.html) for c in work.chapters] == [
        ("", '<p id="p1">First text.</p>'),
        ("Fog", '<p id="p1">Second text.</p>'),
    ]


def test_it_reads_header_lines_at_the_top() -> None:
    work = parse_html(
        "<p>Title: Small Hours<br>Rating: T<br>Fandom: Original Work<br>"
        "Characters: Old Wen, Pip</p><p>by Someone</p><p>The lamp was lit.</p>"
    )
    assert work.title == "Small Hours"
    assert work.rating == "Teen And Up Audiences"
    assert work.fandoms == ["Original Work"]
    assert work.characters == ["Old Wen", "Pip"]
    assert work.author == "Someone"
    assert work.chapters[0].html == '<p id="p1">The lamp was lit.</p>'


def test_it_reads_loose_text_with_line_breaks_and_wrappers() -> None:
    work = parse_html(
        "<html><body><div><div><font face='Arial'>One line<br><br>Two <i>line</i>"
        "</font></div><section><p>Three.</p></section></div></body></html>"
    )
    html = work.chapters[0].html
    assert "One line" in html and "<i>line</i>" in html and "Three." in html
    assert_nothing_executable(html)


def test_it_keeps_lists_quotes_and_tables_through_the_sanitizer() -> None:
    work = parse_html(
        "<p>Text.</p><blockquote><p>Quoted.</p></blockquote><ul><li>one</li><li>two</ul>"
        "<table><tr><td>a<td>b</table>"
        '<p onclick="x()">Click <a href="javascript:alert(1)">me</a></p>'
        '<iframe src="https://evil.example/"></iframe><img src=x onerror=alert(1)>'
    )
    html = work.chapters[0].html
    assert "<blockquote>" in html and "<li>two</li>" in html and "<td>b</td>" in html
    assert "onclick" not in html and "javascript" not in html and "iframe" not in html
    assert_nothing_executable(html)


def test_it_refuses_html_without_text() -> None:
    with pytest.raises(ImportRejected, match="No story text found"):
        parse_html("<html><body><img src='https://x.example/a.png'><p> </p></body></html>")


def test_it_reads_windows_1252_html() -> None:
    data = "<p>\u201cQuoted\u201d caf\u00e9 text.</p>".encode("cp1252")
    work = parse_file(data, filename="old.htm")
    assert work.encoding == "windows-1252"
    assert "\u201cQuoted\u201d café" in work.chapters[0].html


# ---------------------------------------------------------------------- AO3


def _dd(values: list[str]) -> str:
    return ", ".join(f'<a rel="tag" href="https://ao3.example/tags/{i}">{escape(v)}</a>'
                     for i, v in enumerate(values))  # fmt: skip


def ao3_download(
    *,
    title: str = "The Stone Bridge",
    chapters: list[tuple[str, str, str, str]] | None = None,
    summary: str = "<p>Two pilots and a <em>bridge</em>.</p>",
    notes: str = "<p>Written for a prompt.</p>",
    end_notes: str = "<p>Thank you for reading!</p>",
    series: str = 'Part 2 of <a href="https://ao3.example/series/1">Ganymede Nights</a>',
    chapters_stat: str = "2/2",
) -> str:
    """Return an AO3-style HTML download: chapters are (heading, notes, text, end notes)."""
    chapters = chapters if chapters is not None else [
        ("Chapter 1: Lamp Oil", "<p>Chapter one notes.</p>",
         "<p>Mira lit the <strong>lamp</strong>.</p>\n<p>* * *</p>\n<p>Pip slept.</p>",
         "<p>End of chapter one.</p>"),
        ("Chapter 2", "", "<p>Fog came in over the bridge.</p>", ""),
    ]  # fmt: skip
    parts = [
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"UTF-8\">\n",
        f"<title>{escape(title)} - mira - Cowboy Bebop [Archive of Our Own]</title>\n",
        "<style type=\"text/css\">body { font-family: serif }</style>\n</head>\n<body>\n",
        '<div id="preface">\n<h2 class="toc-heading">Preface</h2>\n',
        f'<p class="message"><b>{escape(title)}</b><br/>Posted originally on the '
        '<a href="https://ao3.example/">Archive of Our Own</a> at '
        '<a href="https://ao3.example/works/1">https://ao3.example/works/1</a>.</p>\n',
        '<div class="meta">\n<dl class="tags">\n',
        f"<dt>Rating:</dt>\n<dd>{_dd(['Teen And Up Audiences'])}</dd>\n",
        f"<dt>Archive Warnings:</dt>\n<dd>{_dd(['Graphic Depictions Of Violence', 'Major Character Death'])}</dd>\n",
        f"<dt>Category:</dt>\n<dd>{_dd(['F/F'])}</dd>\n",
        f"<dt>Fandom:</dt>\n<dd>{_dd(['Cowboy Bebop'])}</dd>\n",
        f"<dt>Relationship:</dt>\n<dd>{_dd(['Faye Valentine/Julia'])}</dd>\n",
        f"<dt>Characters:</dt>\n<dd>{_dd(['Faye Valentine', 'Julia', 'Spike Spiegel'])}</dd>\n",
        f"<dt>Additional Tags:</dt>\n<dd>{_dd(['Angst', 'Hurt/Comfort, sort of'])}</dd>\n",
        "<dt>Language:</dt>\n<dd>English</dd>\n",
        f"<dt>Series:</dt>\n<dd>{series}</dd>\n" if series else "",
        "<dt>Collections:</dt>\n<dd><a href='https://ao3.example/c'>Bebop Week</a></dd>\n",
        "<dt>Stats:</dt>\n<dd>\nPublished: 2021-03-04\nCompleted: 2021-04-01\n"
        f"Words: 1,234\nChapters: {chapters_stat}\n</dd>\n</dl>\n",
        f"<h1>{escape(title)}</h1>\n",
        '<div class="byline">by <a rel="author" href="https://ao3.example/users/mira">mira</a></div>\n',
        f'<p>Summary</p>\n<blockquote class="userstuff">{summary}</blockquote>\n' if summary else "",
        "<p>Notes</p>\n" if notes or end_notes else "",
        f'<blockquote class="userstuff">{notes}</blockquote>\n' if notes else "",
        '<div class="endnote-link">See the end of the work for <a href="#endnotes">notes</a></div>\n'
        if end_notes else "",
        "</div>\n</div>\n",
        '<div id="chapters" class="userstuff">\n',
    ]  # fmt: skip
    if len(chapters) == 1:
        parts.append(f'<div class="userstuff">{chapters[0][2]}</div>\n')
    else:
        for position, (heading, chapter_notes, text, chapter_end) in enumerate(chapters, 1):
            parts.append(f'<div class="meta group">\n<h2 class="heading">{escape(heading)}</h2>\n')
            if chapter_notes or chapter_end:
                parts.append("<p>Chapter Notes</p>\n")
            if chapter_notes:
                parts.append(f'<blockquote class="userstuff">{chapter_notes}</blockquote>\n')
            if chapter_end:
                parts.append(
                    '<div class="endnote-link">See the end of the chapter for '
                    f'<a href="#endnotes{position}">notes</a></div>\n'
                )
            parts.append(
                f'</div>\n<!--chapter content-->\n<div class="userstuff">\n{text}\n</div>\n'
                "<!--/chapter content-->\n"
            )
            if chapter_end:
                parts.append(
                    f'<div class="meta" id="endnotes{position}">\n<p>Chapter End Notes</p>\n'
                    f'<blockquote class="userstuff">{chapter_end}</blockquote>\n</div>\n'
                )
    parts.append('</div>\n<div id="afterword">\n<h2 class="toc-heading">Afterword</h2>\n')
    if end_notes:
        parts.append(
            '<div class="meta">\n<div id="endnotes">\n<p>End Notes</p>\n'
            f'<blockquote class="userstuff">{end_notes}</blockquote>\n</div>\n</div>\n'
        )
    parts.append(
        '<p class="message">Please <a href="https://ao3.example/works/1/comments/new">drop '
        "by the archive and comment</a> to let the creator know if you enjoyed their work!"
        "</p>\n</div>\n</body>\n</html>\n"
    )
    return "".join(parts)


def test_it_detects_an_ao3_download() -> None:
    data = ao3_download().encode()
    assert detect_format(data, "The_Stone_Bridge.html") == "ao3"
    assert detect_format(data, "upload") == "ao3"
    assert detect_format(b"<p>Plain <em>HTML</em></p>", "upload") == "html"
    assert detect_format(b"<!DOCTYPE html><title>x</title>", "story.txt") == "html"
    assert detect_format(b'<div align="center">x</div>\n\n# One', "story.md") == "markdown"
    assert detect_format(b"A <b>bold</b> start.", "story") == "text"


def test_it_reads_the_ao3_preface() -> None:
    work = parse_file(ao3_download().encode(), filename="The_Stone_Bridge.html")
    assert work.title == "The Stone Bridge"
    assert work.author == "mira"
    assert work.rating == "Teen And Up Audiences"
    assert work.archive_warnings == ["Graphic Depictions Of Violence", "Major Character Death"]
    assert work.categories == ["F/F"]
    assert work.fandoms == ["Cowboy Bebop"]
    assert work.relationships == ["Faye Valentine/Julia"]
    assert work.characters == ["Faye Valentine", "Julia", "Spike Spiegel"]
    assert work.tags == ["Angst", "Hurt/Comfort, sort of"]
    assert work.language == "en"
    assert work.complete is True
    assert [(s.title, s.part) for s in work.series] == [("Ganymede Nights", 2)]
    assert any("part 2 of the series “Ganymede Nights”" in w for w in work.warnings)
    assert work.summary == "<p>Two pilots and a <em>bridge</em>.</p>"
    assert work.notes == "<p>Written for a prompt.</p>"
    assert work.end_notes == "<p>Thank you for reading!</p>"


def test_it_reads_ao3_chapters_with_their_notes() -> None:
    work = parse_file(ao3_download().encode(), filename="x.html")
    first, second = work.chapters
    assert first.title == "Lamp Oil"
    assert first.notes == "<p>Chapter one notes.</p>"
    assert first.end_notes == "<p>End of chapter one.</p>"
    assert first.html == (
        '<p id="p1">Mira lit the <strong>lamp</strong>.</p>\n<p id="p2">* * *</p>\n'
        '<p id="p3">Pip slept.</p>'
    )
    assert second.title == ""
    assert second.notes == second.end_notes == ""
    assert second.html == '<p id="p1">Fog came in over the bridge.</p>'
    assert "See the end" not in first.html + first.notes + work.notes
    assert "comment" not in work.end_notes


def test_it_reads_a_one_chapter_ao3_download_in_progress() -> None:
    data = ao3_download(
        chapters=[("", "", "<p>Only chapter.</p>", "")],
        series="",
        notes="",
        end_notes="",
        chapters_stat="1/?",
    ).encode()
    work = parse_file(data, filename="x.html")
    assert [c.html for c in work.chapters] == ['<p id="p1">Only chapter.</p>']
    assert work.complete is False
    assert work.series == [] and work.notes == "" and work.end_notes == ""


def test_it_forces_the_ao3_format_and_cleans_hostile_fields() -> None:
    data = ao3_download(
        title="<script>alert(1)</script>",
        summary='<p onmouseover="x()">S<script>alert(2)</script></p>',
        chapters=[("Chapter 1", "", '<p>T<img src="javascript:alert(3)"></p>', "")],
    ).encode()
    work = parse_file(data, filename="upload", fmt="ao3")
    assert work.title == "<script>alert(1)</script>"  # a title is text, escaped when shown
    for html in (work.summary, work.chapters[0].html):
        assert_nothing_executable(html)


def test_it_keeps_the_writers_alignment() -> None:
    work = parse_html(
        '<p align="center"><b>Part One</b></p><p>It rained.</p>'
        '<p style="text-align:right">Yours, M.</p><center>fin</center>'
    )
    html = work.chapters[0].html
    assert '<p class="align-center" id="p1"><b>Part One</b></p>' in html
    assert '<p class="align-right" id="p3">Yours, M.</p>' in html
    assert '<div class="align-center">' in html and ">fin<" in html
    assert "style" not in html and "align=" not in html


def test_it_keeps_alignment_in_an_ao3_download() -> None:
    page = ao3_download(
        chapters=[
            ("Chapter 1", "", '<p align="center">~ Prologue ~</p>\n<p>Rain.</p>', ""),
            ("Chapter 2", "", '<p align="right">Signed, J.</p>', ""),
        ]
    )
    work = parse_html(page, filename="bridge.html")
    assert work.chapters[0].html.startswith('<p class="align-center" id="p1">~ Prologue ~</p>')
    assert work.chapters[1].html == '<p class="align-right" id="p1">Signed, J.</p>'
