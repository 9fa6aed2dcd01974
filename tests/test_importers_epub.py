"""EPUB and DOCX importers on files built here the way common tools write them: EPUB 3 with a
navigation document, EPUB 2 with toc.ncx (Calibre's layout, cover page included), one-file
EPUBs, and Word documents with heading styles, bold chapter lines and a Title paragraph."""

from __future__ import annotations

import io
import zipfile
from html import escape

import pytest

from ficarchive.formats.importers import ImportRejected, detect_format, parse_file
from tests.htmlcheck import assert_nothing_executable

CONTAINER = (
    '<?xml version="1.0"?>\n<container version="1.0" '
    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
    '<rootfile full-path="{opf}" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)


def make_zip(entries: dict[str, bytes | str], *, mimetype: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if mimetype is not None:
            archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xhtml(body: str, title: str = "x") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
        f"<head><title>{escape(title)}</title></head><body>{body}</body></html>"
    )


def epub3(
    chapters: list[tuple[str, str]],
    *,
    title: str = "Fog over the Harbour",
    extra_meta: str = "",
    mimetype: str = "application/epub+zip",
) -> bytes:
    """Return an EPUB 3 (package in OEBPS/, nav document): chapters are (toc label, body)."""
    items = "".join(
        f'<item id="c{i}" href="text/c{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(len(chapters))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
    links = "".join(
        f'<li><a href="text/c{i}.xhtml#start">{escape(label)}</a></li>'
        for i, (label, _) in enumerate(chapters)
    )
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:identifier id="id">urn:uuid:1</dc:identifier><dc:title>{escape(title)}</dc:title>'
        "<dc:creator>Wen Li</dc:creator><dc:language>de</dc:language>"
        "<dc:description>&lt;p&gt;A &lt;b&gt;quiet&lt;/b&gt; story.&lt;/p&gt;</dc:description>"
        f"<dc:subject>Slice of Life</dc:subject><dc:subject>Fluff</dc:subject>{extra_meta}"
        "</metadata><manifest>"
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
        f"{items}</manifest><spine>{spine}</spine></package>"
    )
    nav = xhtml(f'<nav epub:type="toc"><ol>{links}</ol></nav>')
    entries: dict[str, bytes | str] = {
        "META-INF/container.xml": CONTAINER.format(opf="OEBPS/content.opf"),
        "OEBPS/content.opf": opf,
        "OEBPS/nav.xhtml": nav,
    }
    for i, (_, body) in enumerate(chapters):
        entries[f"OEBPS/text/c{i}.xhtml"] = xhtml(body)
    return make_zip(entries, mimetype=mimetype)


def epub2_calibre(chapters: list[tuple[str, str]]) -> bytes:
    """Return an EPUB 2 laid out as Calibre writes it: OPF at the top, a cover page with
    only an image, toc.ncx for titles, content files named index_split_NNN.html."""
    items = "".join(
        f'<item id="s{i}" href="index_split_{i:03d}.html" media-type="application/xhtml+xml"/>'
        for i in range(len(chapters))
    )
    spine = '<itemref idref="cover"/>' + "".join(
        f'<itemref idref="s{i}"/>' for i in range(len(chapters))
    )
    points = "".join(
        f'<navPoint id="n{i}" playOrder="{i + 1}"><navLabel><text>{escape(label)}</text>'
        f'</navLabel><content src="index_split_{i:03d}.html#c{i}"/></navPoint>'
        for i, (label, _) in enumerate(chapters)
    )
    opf = (
        '<?xml version="1.0"  encoding="UTF-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" unique-identifier="uuid_id" version="2.0">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:opf="http://www.idpf.org/2007/opf">'
        "<dc:title>Lantern Keeper</dc:title>"
        '<dc:creator opf:role="aut" opf:file-as="Quill, Anna">Anna Quill</dc:creator>'
        "<dc:language>en</dc:language><dc:description>Plain summary text.</dc:description>"
        '<meta name="calibre:timestamp" content="2020-01-01T00:00:00+00:00"/>'
        "</metadata><manifest>"
        '<item id="cover" href="titlepage.xhtml" media-type="application/xhtml+xml"/>'
        '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>'
        '<item id="img" href="cover.jpeg" media-type="image/jpeg"/>'
        f'{items}</manifest><spine toc="ncx">{spine}</spine></package>'
    )
    ncx = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
        f"<head/><docTitle><text>Lantern Keeper</text></docTitle><navMap>{points}</navMap></ncx>"
    )
    entries: dict[str, bytes | str] = {
        "META-INF/container.xml": CONTAINER.format(opf="content.opf"),
        "content.opf": opf,
        "toc.ncx": ncx,
        "titlepage.xhtml": xhtml('<div><img src="cover.jpeg" alt="cover"/></div>'),
        "cover.jpeg": b"\xff\xd8\xff\xe0 not really a jpeg",
    }
    for i, (_, body) in enumerate(chapters):
        entries[f"index_split_{i:03d}.html"] = xhtml(body)
    return make_zip(entries, mimetype="application/epub+zip")


# --------------------------------------------------------------------- EPUB


def test_it_reads_an_epub3_in_spine_order_with_nav_titles() -> None:
    data = epub3(
        [
            ("Chapter 1: The Pier", "<h1>Chapter 1: The Pier</h1><p>Fog <em>rolled</em> in.</p>"),
            ("Interlude", "<p>Gulls.</p><p>* * *</p><p>More gulls.</p>"),
            ("3. Home", "<h2>3. Home</h2><p>The kettle sang.</p>"),
        ]
    )
    assert detect_format(data, "book") == "epub"
    work = parse_file(data, filename="book.epub")
    assert work.title == "Fog over the Harbour"
    assert work.author == "Wen Li"
    assert work.language == "de"
    assert work.summary == "<p>A <b>quiet</b> story.</p>"
    assert work.tags == ["Slice of Life", "Fluff"]
    assert [c.title for c in work.chapters] == ["The Pier", "Interlude", "3. Home"]
    assert work.chapters[0].html == '<p id="p1">Fog <em>rolled</em> in.</p>'
    assert work.chapters[1].html == '<p id="p1">Gulls.</p>\n<hr>\n<p id="p2">More gulls.</p>'
    assert work.chapters[2].html == '<p id="p1">The kettle sang.</p>'
    assert work.encoding == "utf-8"


def test_it_reads_an_epub2_made_by_calibre() -> None:
    work = parse_file(
        epub2_calibre(
            [
                ("Prologue", "<p class='calibre1'>It began with a lantern.</p>"),
                ("Chapter Two - Oil", "<div class='calibre'><p>The oil ran low.</p></div>"),
            ]
        ),
        filename="Lantern Keeper - Anna Quill.epub",
    )
    assert work.title == "Lantern Keeper"
    assert work.author == "Anna Quill"
    assert work.summary == "<p>Plain summary text.</p>"
    assert [c.title for c in work.chapters] == ["Prologue", "Oil"]
    assert work.chapters[1].html == '<p id="p1">The oil ran low.</p>'


def test_it_splits_a_one_file_epub_at_its_headings() -> None:
    body = "<h1>Chapter 1</h1><p>One.</p><p>A/N: a note</p><h1>Chapter 2: Two</h1><p>Two.</p>"
    data = epub3([("", body)])
    work = parse_file(data, filename="one.epub")
    assert [c.title for c in work.chapters] == ["", "Two"]
    assert work.chapters[0].end_notes == "<p>A/N: a note</p>"


def test_it_accepts_an_epub_with_a_wrong_mimetype_entry_when_it_has_a_container() -> None:
    data = epub3([("One", "<p>Text.</p>")], mimetype="application/zip")
    assert parse_file(data, filename="x.epub").chapters[0].html == '<p id="p1">Text.</p>'


def test_it_sanitizes_epub_content() -> None:
    data = epub3(
        [
            (
                "<b>x</b>",
                '<p onclick="a()">T<script>alert(1)</script><a href="javascript:x">l</a></p>',
            )
        ],
        title="<img src=x onerror=alert(1)>",
    )
    work = parse_file(data, filename="x.epub")
    assert_nothing_executable(work.chapters[0].html)
    assert work.title == "<img src=x onerror=alert(1)>"


def test_it_names_what_is_missing_from_a_damaged_epub() -> None:
    no_container = make_zip({"OEBPS/content.opf": "<package/>"}, mimetype="application/epub+zip")
    with pytest.raises(ImportRejected, match=r"container\.xml is missing"):
        parse_file(no_container, filename="x.epub")
    no_package = make_zip(
        {"META-INF/container.xml": CONTAINER.format(opf="OEBPS/content.opf")},
        mimetype="application/epub+zip",
    )
    with pytest.raises(ImportRejected, match=r"“OEBPS/content\.opf” is missing"):
        parse_file(no_package, filename="x.epub")
    with pytest.raises(ImportRejected, match="neither an EPUB nor a Word document"):
        parse_file(make_zip({"notes.txt": "hello"}), filename="x.zip")


# --------------------------------------------------------------------- DOCX

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    "</Relationships>"
)
DOC_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="{W}">'
    '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>'
    "</w:styles>"
)


def para(text: str, *, style: str = "", bold: bool = False, italic: bool = False) -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    run_props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    run_props = f"<w:rPr>{run_props}</w:rPr>" if run_props else ""
    return f'<w:p>{props}<w:r>{run_props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def make_docx(
    paragraphs: list[str], *, core_title: str = "", extra: dict[str, str] | None = None
) -> bytes:
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}">'
        f"<w:body>{''.join(paragraphs)}</w:body></w:document>"
    )
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(core_title)}</dc:title><dc:creator>Anna Quill</dc:creator>"
        "</cp:coreProperties>"
    )
    entries: dict[str, bytes | str] = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "word/_rels/document.xml.rels": DOC_RELS,
        "word/document.xml": document,
        "word/styles.xml": STYLES,
        "docProps/core.xml": core,
        **(extra or {}),
    }
    return make_zip(entries)


def test_it_reads_a_docx_with_heading_chapters() -> None:
    data = make_docx(
        [
            para("The Lantern Keeper", style="Title"),
            para("A/N: for my sister."),
            para("Chapter 1: Oil", style="Heading1"),
            para("She trimmed the "),
            para("wick", bold=True),
            para("and waited.", italic=True),
            para("* * *"),
            para("Morning.", bold=False),
            para("Chapter 2", style="Heading1"),
            para("Evening."),
        ],
        core_title="Document1",
    )
    assert detect_format(data, "upload") == "docx"
    work = parse_file(data, filename="lantern.docx")
    assert work.title == "The Lantern Keeper"
    assert work.author == "Anna Quill"
    assert work.notes == "<p>A/N: for my sister.</p>"
    assert [c.title for c in work.chapters] == ["Oil", ""]
    assert work.chapters[0].html == (
        '<p id="p1">She trimmed the </p>\n<p id="p2"><strong>wick</strong></p>\n'
        '<p id="p3"><em>and waited.</em></p>\n<hr>\n<p id="p4">Morning.</p>'
    )
    assert work.chapters[1].html == '<p id="p1">Evening.</p>'


def test_it_reads_bold_chapter_lines_and_the_core_title_in_a_docx() -> None:
    data = make_docx(
        [para("Chapter One", bold=True), para("First."), para("Chapter Two", bold=True),
         para("Second.")],
        core_title="Night Ferry",
    )  # fmt: skip
    work = parse_file(data, filename="ferry.docx")
    assert work.title == "Night Ferry"
    assert [c.html for c in work.chapters] == ['<p id="p1">First.</p>', '<p id="p1">Second.</p>']


def test_it_refuses_a_docx_without_text() -> None:
    with pytest.raises(ImportRejected, match="No story text found"):
        parse_file(make_docx([para("")]), filename="empty.docx")
    with pytest.raises(ImportRejected, match="not a Word document"):
        parse_file(make_zip({"a.txt": "x"}), filename="x.docx", fmt="docx")


def test_it_reads_an_ao3_epub_with_its_preface_and_afterword() -> None:
    from tests.test_importers_html import ao3_download

    page = ao3_download()
    preface = page[page.index('<div id="preface">') : page.index('<div id="chapters"')]
    chapters = page[page.index('<div id="chapters"') : page.index('<div id="afterword">')]
    afterword = page[page.index('<div id="afterword">') : page.index("</body>")]
    data = epub3(
        [("Preface", preface), ("The Stone Bridge", chapters), ("Afterword", afterword)],
        title="The Stone Bridge",
    )
    work = parse_file(data, filename="The_Stone_Bridge.epub")
    assert work.title == "The Stone Bridge"
    assert work.fandoms == ["Cowboy Bebop"]
    assert work.rating == "Teen And Up Audiences"
    assert work.summary == "<p>Two pilots and a <em>bridge</em>.</p>"
    assert work.end_notes == "<p>Thank you for reading!</p>"
    assert [c.title for c in work.chapters] == ["Lamp Oil", ""]
    assert work.chapters[0].notes == "<p>Chapter one notes.</p>"
    assert work.tags == ["Angst", "Hurt/Comfort, sort of"]  # not the package's subjects


def test_it_keeps_the_alignment_of_epub_paragraphs() -> None:
    data = epub3(
        [
            (
                "One",
                '<p style="text-align: center">Part One</p><p>It rained.</p>'
                '<div align="right"><p>M.</p></div><p class="calibre3">Plain.</p>',
            )
        ]
    )
    html = parse_file(data, filename="x.epub").chapters[0].html
    assert '<p class="align-center" id="p1">Part One</p>' in html
    assert '<p class="align-right" id="p3">M.</p>' in html
    assert '<p id="p4">Plain.</p>' in html
    assert "style" not in html and "calibre" not in html


def aligned_para(text: str, justification: str, *, style: str = "") -> str:
    style_xml = f'<w:pStyle w:val="{style}"/>' if style else ""
    return (
        f'<w:p><w:pPr>{style_xml}<w:jc w:val="{justification}"/></w:pPr>'
        f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'
    )


def test_it_keeps_the_alignment_of_docx_paragraphs() -> None:
    data = make_docx(
        [
            aligned_para("A Song", "center"),
            para("The verse goes here."),
            aligned_para("Yours truly", "right"),
            aligned_para("Long justified prose.", "both"),
            aligned_para("Left as usual.", "left"),
        ]
    )
    html = parse_file(data, filename="song.docx").chapters[0].html
    assert html == (
        '<p class="align-center" id="p1">A Song</p>\n<p id="p2">The verse goes here.</p>\n'
        '<p class="align-right" id="p3">Yours truly</p>\n'
        '<p class="align-justify" id="p4">Long justified prose.</p>\n'
        '<p id="p5">Left as usual.</p>'
    )


def test_a_centred_docx_heading_stays_a_chapter_heading() -> None:
    data = make_docx(
        [
            aligned_para("Chapter 1: Oil", "center", style="Heading1"),
            para("She trimmed the wick."),
            aligned_para("Chapter 2", "center", style="Heading1"),
            para("Evening."),
        ]
    )
    work = parse_file(data, filename="lantern.docx")
    assert [c.title for c in work.chapters] == ["Oil", ""]
