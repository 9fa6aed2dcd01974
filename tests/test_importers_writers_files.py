"""Issue 10, section 2: files as writers really have them, each built here to show the
problem: EPUB 2 with the NCX doctype, AO3 EPUBs split by calibre, title and information
pages, FanFicFare notes, page-break markers, AO3's language names, legacy encodings, files
without a title, DOCX notes and quotes, the work's own dates, and warnings said once."""

from __future__ import annotations

import datetime as dt
from html import escape

import pytest

from ficarchive.accounts.models import User
from ficarchive.formats.importers import ImportRejected, parse_file
from tests.test_importers_epub import CONTAINER, epub3, make_docx, make_zip, para, xhtml
from tests.test_importers_html import ao3_download

NCX_DOCTYPE = (
    '<!DOCTYPE ncx PUBLIC "-//NISO//DTD ncx 2005-1//EN" '
    '"http://www.daisy.org/z3986/2005/ncx-2005-1.dtd">\n'
)


def epub2(
    files: list[tuple[str, str, str]],
    *,
    ncx_doctype: str = NCX_DOCTYPE,
    metadata: str = "<dc:title>Salt Road</dc:title><dc:creator>Anna Quill</dc:creator>",
    guide: str = "",
) -> bytes:
    """Return an EPUB 2 whose toc.ncx has ``ncx_doctype``: files are (name, toc label, body)."""
    items = "".join(
        f'<item id="f{i}" href="{name}" media-type="application/xhtml+xml"/>'
        for i, (name, _, _) in enumerate(files)
    )
    spine = "".join(f'<itemref idref="f{i}"/>' for i in range(len(files)))
    points = "".join(
        f'<navPoint id="n{i}" playOrder="{i + 1}"><navLabel><text>{escape(label)}</text>'
        f'</navLabel><content src="{name}"/></navPoint>'
        for i, (name, label, _) in enumerate(files)
        if label
    )
    opf = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" unique-identifier="id" version="2.0">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:opf="http://www.idpf.org/2007/opf">'
        f'<dc:identifier id="id">urn:uuid:2</dc:identifier>{metadata}</metadata><manifest>'
        '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>'
        f'{items}</manifest><spine toc="ncx">{spine}</spine>{guide}</package>'
    )
    ncx = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{ncx_doctype}'
        '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
        f"<head/><docTitle><text>Salt Road</text></docTitle><navMap>{points}</navMap></ncx>"
    )
    entries: dict[str, bytes | str] = {
        "META-INF/container.xml": CONTAINER.format(opf="content.opf"),
        "content.opf": opf,
        "toc.ncx": ncx,
    }
    for name, _, body in files:
        entries[name] = body if body.startswith("<?xml") else xhtml(body)
    return make_zip(entries, mimetype="application/epub+zip")


# ------------------------------------------------------------------ EPUB 2 doctype


def test_it_reads_an_epub2_whose_ncx_has_the_standard_doctype() -> None:
    data = epub2([("c1.xhtml", "Chapter 1: Salt", "<p>The road ran white.</p>")])
    work = parse_file(data, filename="salt.epub")
    assert [c.title for c in work.chapters] == ["Salt"]
    assert work.chapters[0].html == '<p id="p1">The road ran white.</p>'


def test_it_still_refuses_a_doctype_that_declares_entities() -> None:
    bomb = '<!DOCTYPE ncx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
    data = epub2([("c1.xhtml", "One", "<p>Text.</p>")], ncx_doctype=bomb)
    with pytest.raises(ImportRejected, match="entities"):
        parse_file(data, filename="bomb.epub")
    external = '<!DOCTYPE ncx [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    data = epub2([("c1.xhtml", "One", "<p>Text.</p>")], ncx_doctype=external)
    with pytest.raises(ImportRejected, match="entities"):
        parse_file(data, filename="external.epub")


# ----------------------------------------------------------- AO3 EPUB split by calibre


def _ao3_parts(page: str) -> tuple[str, str, str]:
    preface = page[page.index('<div id="preface">') : page.index('<div id="chapters"')]
    chapters = page[page.index('<div id="chapters"') : page.index('<div id="afterword">')]
    afterword = page[page.index('<div id="afterword">') : page.index("</body>")]
    return preface, chapters, afterword


def test_it_reads_an_ao3_epub_whose_last_file_holds_text_and_the_afterword() -> None:
    page = ao3_download(
        chapters=[("Chapter 1", "", "<p>Only one chapter, and it is all here.</p>", "")]
    )
    preface, chapters, afterword = _ao3_parts(page)
    data = epub3([("Preface", preface), ("The Stone Bridge", chapters + afterword)])
    work = parse_file(data, filename="split.epub")
    assert [c.html for c in work.chapters] == [
        '<p id="p1">Only one chapter, and it is all here.</p>'
    ]
    assert work.end_notes == "<p>Thank you for reading!</p>"


def test_it_joins_a_chapter_that_calibre_split_over_two_files() -> None:
    page = ao3_download()
    preface, chapters, afterword = _ao3_parts(page)
    cut = chapters.index("<p>* * *</p>")
    first = chapters[:cut] + "</div></div>"
    rest = '<div id="chapters" class="userstuff"><div class="userstuff">' + chapters[cut:]
    data = epub3(
        [("Preface", preface), ("Chapter 1", first), ("", rest + afterword)],
        title="The Stone Bridge",
    )
    work = parse_file(data, filename="split.epub")
    whole = parse_file(page.encode(), filename="whole.html")
    assert [c.title for c in work.chapters] == ["Lamp Oil", ""]
    assert [c.html for c in work.chapters] == [c.html for c in whole.chapters]
    assert "Pip slept." in work.chapters[0].html
    assert work.chapters[0].end_notes == "<p>End of chapter one.</p>"
    assert work.end_notes == "<p>Thank you for reading!</p>"


# -------------------------------------------------- title, information and TOC pages


def test_a_pandoc_epub_gains_no_chapter_of_the_authors_name() -> None:
    titlepage = (
        '<section epub:type="titlepage" class="titlepage"><h1 class="title">Salt Road</h1>'
        '<p class="author">Anna Quill</p><p class="date">2019-05-04</p></section>'
    )
    data = epub2(
        [
            ("title_page.xhtml", "Salt Road", titlepage),
            ("ch001.xhtml", "The Road", "<section><h1>The Road</h1><p>It ran white.</p></section>"),
        ],
        metadata="<dc:title>Salt Road</dc:title>",
    )
    work = parse_file(data, filename="salt.epub")
    assert [c.title for c in work.chapters] == ["The Road"]
    assert work.author == "Anna Quill"
    assert work.published == dt.date(2019, 5, 4)


FANFICFARE_TITLE_PAGE = (
    '<h3><a href="https://example.org/s/1">Salt Road</a> by '
    '<a href="https://example.org/u/2">Anna Quill</a></h3>'
    "<div><b>Category:</b> Original Work<br/><b>Characters:</b> Ines, Rook<br/>"
    "<b>Relationships:</b> Ines/Rook, Rook/Sea<br/><b>Rating:</b> Teen And Up Audiences<br/>"
    "<b>Status:</b> Completed<br/><b>Published:</b> 2015-02-03<br/>"
    "<b>Updated:</b> 2016-07-08<br/><b>Packaged:</b> 2024-01-01 10:00:00<br/>"
    "<b>Words:</b> 1,234<br/><b>Chapters:</b> 2<br/>"
    "<b>Summary:</b> A road of salt, and who walks it.<br/>"
    "<b>Additional Tags:</b> Slow Burn, Road Trip<br/></div>"
)
FANFICFARE_TOC = (
    "<h3>Table of Contents</h3>"
    '<a href="file0001.xhtml">The Road</a><br/><a href="file0002.xhtml">The Sea</a><br/>'
)


def test_fanficfare_title_and_toc_pages_are_metadata_not_chapters() -> None:
    data = epub2(
        [
            ("OEBPS/title_page.xhtml", "Title Page", FANFICFARE_TITLE_PAGE),
            ("OEBPS/toc_page.xhtml", "Table of Contents", FANFICFARE_TOC),
            ("OEBPS/file0001.xhtml", "The Road", "<h3>The Road</h3><p>It ran white.</p>"),
            ("OEBPS/file0002.xhtml", "The Sea", "<h3>The Sea</h3><p>It ran blue.</p>"),
        ],
        metadata="<dc:title>Salt Road</dc:title>",
    )
    work = parse_file(data, filename="salt.epub")
    assert [c.title for c in work.chapters] == ["The Road", "The Sea"]
    assert work.author == "Anna Quill"
    assert work.characters == ["Ines", "Rook"]
    assert work.relationships == ["Ines/Rook", "Rook/Sea"]
    assert work.rating == "Teen And Up Audiences"
    assert work.complete is True
    assert work.summary == "<p>A road of salt, and who walks it.</p>"
    assert work.tags == ["Slow Burn", "Road Trip"]
    assert (work.published, work.updated) == (dt.date(2015, 2, 3), dt.date(2016, 7, 8))


def test_guide_and_landmarks_pages_and_an_afterword_page_are_not_chapters() -> None:
    guide = (
        '<guide><reference type="title-page" title="Title" href="intro.xhtml"/>'
        '<reference type="toc" title="Contents" href="contents.xhtml"/></guide>'
    )
    data = epub2(
        [
            ("intro.xhtml", "", "<h1>Salt Road</h1><p>by Anna Quill</p><p>A fichub copy.</p>"),
            ("contents.xhtml", "", "<p>1. The Road</p><p>2. The Sea</p>"),
            ("c1.xhtml", "The Road", "<p>It ran white.</p>"),
            ("after.xhtml", "Afterword", "<p>Thanks for reading, all of you.</p>"),
        ],
        guide=guide,
    )
    work = parse_file(data, filename="salt.epub")
    assert [c.title for c in work.chapters] == ["The Road"]
    assert work.end_notes == "<p>Thanks for reading, all of you.</p>"
    nav_page = xhtml('<section epub:type="titlepage"><h1>Salt Road</h1><p>Anna Quill</p></section>')
    data = epub3([("Title", ""), ("One", "<p>Text of one.</p>")])
    data = make_zip(
        {**_unzip(data), "OEBPS/text/c0.xhtml": nav_page}, mimetype="application/epub+zip"
    )
    assert [c.html for c in parse_file(data, filename="x.epub").chapters] == [
        '<p id="p1">Text of one.</p>'
    ]


def _unzip(data: bytes) -> dict[str, bytes | str]:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != "mimetype"}


# ------------------------------------------- notes, page breaks and images in EPUBs


def test_fanficfare_authors_notes_stay_whole() -> None:
    body = (
        '<h3 class="fff_chapter_title">The Road</h3>'
        '<div class="fff_chapter_notes fff_head_notes"><b>Notes:</b>'
        "<blockquote><p>Thanks to my beta!</p></blockquote></div>"
        "<p>It ran white.</p>"
        '<div class="fff_chapter_notes fff_foot_notes"><b>End Notes:</b>'
        "<blockquote><p>More soon.</p></blockquote></div>"
    )
    data = epub2([("c1.xhtml", "The Road", body), ("c2.xhtml", "The Sea", "<p>It ran blue.</p>")])
    first = parse_file(data, filename="x.epub").chapters[0]
    assert first.html == '<p id="p1">It ran white.</p>'
    assert "Notes:" in first.notes and "Thanks to my beta!" in first.notes
    assert "End Notes:" in first.end_notes and "More soon." in first.end_notes


def test_page_break_markers_put_no_numbers_into_sentences() -> None:
    body = (
        '<p>The road ran <span epub:type="pagebreak" id="page12" title="12">12</span>white '
        'and<span role="doc-pagebreak" aria-label="13">13</span> long.</p>'
    )
    work = parse_file(epub2([("c1.xhtml", "One", body)]), filename="x.epub")
    assert work.chapters[0].html == '<p id="p1">The road ran white and long.</p>'
    assert work.chapters[0].word_count == 6


@pytest.mark.django_db
def test_image_alt_text_is_not_added_as_words_on_an_epub_round_trip(author: User) -> None:
    from ficarchive.formats.downloads import export_bytes
    from ficarchive.works.actions import ChapterInput, WorkInput, post_work

    text = '<p>Look: <img src="https://example.org/map.png" alt="a map of the salt road"></p>'
    work = post_work(
        author,
        WorkInput(
            title="Maps",
            fandoms=["Salt"],
            warnings=["No Archive Warnings Apply"],
            text_format="html",
        ),
        ChapterInput(text=text, text_format="html"),
    )
    parsed = parse_file(export_bytes(work, "epub", include_drafts=False), filename="x.epub")
    chapter = parsed.chapters[0]
    assert chapter.word_count == 1
    assert '<img src="https://example.org/map.png" alt="a map of the salt road">' in chapter.html
    assert "[image" not in chapter.html


# ------------------------------------------------------------------ AO3 languages


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("中文-普通话 國語", "zh"),
        ("Português brasileiro", "pt-BR"),
        ("Português europeu", "pt-PT"),
        ("中文-广东话 粵語", "yue"),
        ("Bahasa Indonesia", "id"),
        ("suomi", "fi"),
        ("Slovenščina", "sl"),
        ("ქართული", "ka"),
        ("Deutsch", "de"),
    ],
)
def test_it_maps_ao3_language_names_to_codes(name: str, code: str) -> None:
    page = ao3_download().replace("<dd>English</dd>", f"<dd>{escape(name)}</dd>")
    work = parse_file(page.encode(), filename="x.html")
    assert work.language == code
    assert not [w for w in work.warnings if "language" in w.lower()]


def test_every_ao3_language_name_maps() -> None:
    from ficarchive.formats.importers.metadata import AO3_LANGUAGES

    assert len(AO3_LANGUAGES) > 120
    for name in AO3_LANGUAGES:
        page = ao3_download().replace("<dd>English</dd>", f"<dd>{escape(name)}</dd>")
        work = parse_file(page.encode(), filename="x.html")
        assert work.language, name


def test_an_unmappable_language_is_a_warning_never_english() -> None:
    page = ao3_download().replace("<dd>English</dd>", "<dd>Gallifreyan Circles</dd>")
    work = parse_file(page.encode(), filename="x.html")
    assert work.language != "en"
    assert any("Gallifreyan Circles" in w for w in work.warnings)


# ------------------------------------------------------------------- encodings

TEXT = {
    "windows-1250": "Příliš žluťoučký kůň úpěl ďábelské ódy. Łódź i Kraków są w Polsce.",
    "windows-1251": "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "koi8-r": "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "iso-8859-7": "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία και γράφω ιστορίες.",
    "shift_jis": "いろはにほへと ちりぬるを わかよたれそ つねならむ。吾輩は猫である。名前はまだ無い。",
    "euc-jp": "いろはにほへと ちりぬるを わかよたれそ つねならむ。吾輩は猫である。名前はまだ無い。",
    "gb18030": "我能吞下玻璃而不伤身体。这是一个关于雨和港口的故事，她在窗边等了很久。",
    "big5": "我能吞下玻璃而不傷身體。這是一個關於雨和港口的故事，她在窗邊等了很久。",
    "euc-kr": "키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다. 비가 내렸다.",
    "utf-16-le": "A story without a byte-order mark, in UTF-16: it rained all night.",
}


@pytest.mark.parametrize("encoding", sorted(TEXT))
def test_it_reads_text_in_common_encodings_and_reports_them(encoding: str) -> None:
    story = "\n\n".join([TEXT[encoding]] * 6)
    work = parse_file(story.encode(encoding), filename="story.txt", title="T")
    assert TEXT[encoding] in work.chapters[0].html
    assert work.encoding
    assert work.warnings and "confidence" in work.warnings[0].lower()


def test_it_refuses_bytes_it_cannot_read_and_says_why() -> None:
    with pytest.raises(ImportRejected, match="no other common encoding"):
        parse_file(bytes(range(128, 256)) * 40, filename="x.txt")


# ---------------------------------------------------------------- file-name titles


def test_a_file_without_a_title_takes_its_file_name_with_a_warning() -> None:
    work = parse_file(
        b"It rained.\n\nIt stopped.", filename="C:\\fics\\the_salt-road (draft 2).docx.txt"
    )
    assert work.title == "The salt road (draft 2)"
    assert any("file name" in w for w in work.warnings)
    data = make_docx([para("It rained all night.")], core_title="")
    assert parse_file(data, filename="Harbour Lights.docx").title == "Harbour Lights"


# --------------------------------------------------------------------- DOCX notes

FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
    "</w:r></w:p></w:footnote>"
    '<w:footnote w:id="1"><w:p><w:r><w:t>Salt roads are older than maps.</w:t></w:r></w:p>'
    "</w:footnote></w:footnotes>"
)


def test_docx_footnotes_keep_working_links_and_quotes_stay_quotes() -> None:
    from tests.test_importers_epub import W

    note_ref = (
        '<w:p><w:r><w:t xml:space="preserve">The road ran white.</w:t></w:r>'
        '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
        '<w:footnoteReference w:id="1"/></w:r></w:p>'
    )
    quote = (
        '<w:p><w:pPr><w:pStyle w:val="Quote"/></w:pPr><w:r><w:t>Walk it slowly.</w:t></w:r></w:p>'
    )
    data = make_docx(
        [para("Salt Road", style="Title"), note_ref, quote, para("After.")],
        extra={"word/footnotes.xml": FOOTNOTES},
    )
    data = _with_footnote_rels(data, W)
    work = parse_file(data, filename="salt.docx")
    chapter = work.chapters[0]
    assert "<blockquote>" in chapter.html and "Walk it slowly." in chapter.html
    assert '<a href="#fn1" id="fnref1"' in chapter.html
    assert '<li id="fn1">' in chapter.end_notes and 'href="#fnref1"' in chapter.end_notes
    assert "Salt roads are older than maps." in chapter.end_notes
    assert "Salt roads" not in chapter.html


def _with_footnote_rels(data: bytes, w: str) -> bytes:
    entries = _unzip(data)
    entries["word/_rels/document.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/>'
        "</Relationships>"
    )
    styles = entries["word/styles.xml"]
    styles = styles.decode() if isinstance(styles, bytes) else styles
    entries["word/styles.xml"] = styles.replace(
        "</w:styles>",
        '<w:style w:type="paragraph" w:styleId="Quote"><w:name w:val="Quote"/></w:style>'
        "</w:styles>",
    )
    return make_zip(entries)


# ------------------------------------------------------------------------- dates


def test_ao3_dates_are_the_works_dates() -> None:
    page = ao3_download().replace(
        "Published: 2021-03-04\nCompleted: 2021-04-01\n",
        "Published: 2021-03-04\nUpdated: 2021-03-20\nCompleted: 2021-04-01\n",
    )
    work = parse_file(page.encode(), filename="x.html")
    assert work.published == dt.date(2021, 3, 4)
    assert work.updated == dt.date(2021, 4, 1)


def test_an_epub_dc_date_is_the_works_date() -> None:
    data = epub2(
        [("c1.xhtml", "One", "<p>Text.</p>")],
        metadata="<dc:title>Salt</dc:title><dc:date>2018-09-10T12:00:00Z</dc:date>",
    )
    assert parse_file(data, filename="x.epub").published == dt.date(2018, 9, 10)


@pytest.mark.django_db
def test_an_imported_work_keeps_its_dates(author: User) -> None:
    from ficarchive.formats.actions import import_parsed_work

    page = ao3_download()
    parsed = parse_file(page.encode(), filename="x.html")
    work = import_parsed_work(author, parsed)
    assert work.published_at is not None and work.updated_at is not None
    assert work.published_at.date() == dt.date(2021, 3, 4)
    assert work.updated_at.date() == dt.date(2021, 4, 1)


# ---------------------------------------------------------------- warnings said once


def test_a_warning_says_where_the_text_went_once() -> None:
    files = [
        (
            f"c{i}.xhtml",
            f"Part {i}",
            f"<p>Stray line {i}.</p><h2>Scene A</h2><p>Text A.</p><h2>Scene B</h2><p>Text B.</p>",
        )
        for i in range(1, 4)
    ]
    work = parse_file(epub2(files), filename="x.epub")
    assert [c.notes for c in work.chapters[::2]] == [f"<p>Stray line {i}.</p>" for i in (1, 2, 3)]
    moved = [w for w in work.warnings if "kept as notes" in w]
    assert len(moved) == 1
    assert "chapter 1's notes, chapter 3's notes and chapter 5's notes" in moved[0]


# ------------------------------------------------------------------- tag order


def test_the_writers_order_of_tags_is_kept_through_the_import() -> None:
    from ficarchive.formats.actions import work_input_from_parsed

    header = (
        "Title: Salt\nFandom: Zed Saga, Alpha Tales\nPairing: Rook/Ines, Ash/Teodor\n"
        "Characters: Rook, Ines, Ash\nTags: Slow Burn, Angst, Road Trip\n\nIt rained."
    )
    parsed = parse_file(header.encode(), filename="salt.txt")
    assert parsed.fandoms == ["Zed Saga", "Alpha Tales"]
    assert parsed.relationships == ["Rook/Ines", "Ash/Teodor"]  # the main pairing first
    assert parsed.characters == ["Rook", "Ines", "Ash"]
    assert parsed.tags == ["Slow Burn", "Angst", "Road Trip"]
    data = work_input_from_parsed(parsed)
    assert (data.fandoms, data.relationships) == (parsed.fandoms, parsed.relationships)
    assert (data.characters, data.freeforms) == (parsed.characters, parsed.tags)
