"""EPUB 3: a title page with the work's metadata, one XHTML file per chapter, the work's end
notes, a navigation document, and the package document with language, identifier and
modification time. Output is deterministic: the same work gives the same bytes."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC

from ficarchive.formats.exporters.document import ExportChapter, ExportWork, preface_parts
from ficarchive.formats.exporters.xhtml import fragment_to_xhtml, xml_attribute, xml_text
from ficarchive.text import html_to_text

MEDIA_TYPE = "application/epub+zip"
# Zip entries get one fixed time so that the same work always gives the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

STYLESHEET = """\
body { margin: 0 1em; line-height: 1.5; }
h1, h2, h3 { line-height: 1.2; }
.byline { font-style: italic; }
.draft-notice { border: 1px solid; padding: 0.5em; font-weight: bold; }
dl.work-meta dt { font-weight: bold; margin-top: 0.5em; }
dl.work-meta dd { margin-left: 1.5em; }
blockquote { margin: 0.5em 1.5em; }
.chapter-heading { margin-top: 1em; }
.origin { font-size: 0.9em; margin-top: 2em; }
.align-center { text-align: center; }
.align-right { text-align: right; }
.align-justify { text-align: justify; }
"""

CONTAINER = """\
<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""


def _page(work: ExportWork, title: str, body: str) -> str:
    lang = xml_attribute(work.language_tag)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!DOCTYPE html>\n"
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
        f' lang="{lang}" xml:lang="{lang}">\n'
        f"<head>\n<title>{xml_text(title)}</title>\n"
        '<link rel="stylesheet" type="text/css" href="style.css"/>\n</head>\n'
        f"<body>\n{body}</body>\n</html>\n"
    )


def _block(label: str, html: str, css_class: str) -> str:
    """Return a labelled section for summary or notes, or "" when there is nothing."""
    if not html.strip():
        return ""
    return (
        f'<section class="{css_class}">\n<h2>{xml_text(label)}</h2>\n'
        f"<blockquote>{fragment_to_xhtml(html)}</blockquote>\n</section>\n"
    )


def _title_page(work: ExportWork) -> str:
    parts = preface_parts(work, xml_text, _block)
    parts.append(f'<p class="origin">{work.origin_html(xml_text)}</p>\n')
    return _page(
        work, work.title, '<section epub:type="titlepage">\n' + "".join(parts) + "</section>\n"
    )


def _chapter_page(work: ExportWork, chapter: ExportChapter) -> str:
    body = (
        '<section epub:type="chapter">\n'
        f'<h1 class="chapter-heading">{xml_text(chapter.heading)}</h1>\n'
        + _block("Summary", chapter.summary_html, "summary")
        + _block("Notes", chapter.notes_html, "notes")
        + f'<div class="chapter-text">{fragment_to_xhtml(chapter.html)}</div>\n'
        + _block("End notes", chapter.end_notes_html, "end-notes")
        + "</section>\n"
    )
    return _page(work, chapter.heading, body)


def _end_notes_page(work: ExportWork) -> str:
    body = (
        '<section epub:type="afterword">\n<h1>End notes</h1>\n'
        f"<blockquote>{fragment_to_xhtml(work.end_notes_html)}</blockquote>\n</section>\n"
    )
    return _page(work, "End notes", body)


def _nav(work: ExportWork, entries: list[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="{href}">{xml_text(label)}</a></li>\n' for href, label in entries)
    body = f'<nav epub:type="toc" id="toc">\n<h1>Contents</h1>\n<ol>\n{items}</ol>\n</nav>\n'
    return _page(work, "Contents", body)


def _package(work: ExportWork, files: list[tuple[str, str]]) -> str:
    modified = work.modified.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = [
        f'<dc:identifier id="book-id">{xml_text(work.identifier)}</dc:identifier>',
        f"<dc:title>{xml_text(work.title)}</dc:title>",
        f"<dc:language>{xml_text(work.language_tag)}</dc:language>",
        f'<meta property="dcterms:modified">{modified}</meta>',
        f"<dc:publisher>{xml_text(work.site_name)}</dc:publisher>",
        f"<dc:source>{xml_text(work.origin_line())}</dc:source>",
    ]
    meta += [f"<dc:creator>{xml_text(name)}</dc:creator>" for name in work.creators]
    if work.published is not None:
        meta.append(f"<dc:date>{work.published.astimezone(UTC).date().isoformat()}</dc:date>")
    tags = work.fandoms + work.relationships + work.characters + work.freeforms
    meta += [f"<dc:subject>{xml_text(tag)}</dc:subject>" for tag in tags if tag.strip()]
    summary = html_to_text(work.summary_html, sanitized=True) if work.summary_html else ""
    if summary.strip():
        meta.append(f"<dc:description>{xml_text(summary)}</dc:description>")
    manifest = [
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>',
        '<item id="css" href="style.css" media-type="text/css"/>',
    ]
    manifest += [
        f'<item id="{item_id}" href="{item_id}.xhtml" media-type="application/xhtml+xml"/>'
        for item_id, _ in files
    ]
    spine = [f'<itemref idref="{item_id}"/>' for item_id, _ in files]
    newline = "\n    "
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
        f'unique-identifier="book-id" xml:lang="{xml_attribute(work.language_tag)}">\n'
        '  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        f"    {newline.join(meta)}\n  </metadata>\n"
        f"  <manifest>\n    {newline.join(manifest)}\n  </manifest>\n"
        f"  <spine>\n    {newline.join(spine)}\n  </spine>\n"
        "</package>\n"
    )


def _entry(archive: zipfile.ZipFile, name: str, data: str, *, compress: bool = True) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data.encode("utf-8"))


def export_epub(work: ExportWork) -> bytes:
    """Return the work as an EPUB 3 file."""
    pages: list[tuple[str, str, str]] = [("title", work.title, _title_page(work))]
    for chapter in work.chapters:
        pages.append((f"chapter-{chapter.number}", chapter.heading, _chapter_page(work, chapter)))
    if work.end_notes_html.strip():
        pages.append(("end-notes", "End notes", _end_notes_page(work)))
    files = [(item_id, label) for item_id, label, _ in pages]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # The mimetype entry comes first and is stored uncompressed, as the standard asks.
        _entry(archive, "mimetype", MEDIA_TYPE, compress=False)
        _entry(archive, "META-INF/container.xml", CONTAINER)
        _entry(archive, "OEBPS/content.opf", _package(work, files))
        _entry(archive, "OEBPS/nav.xhtml", _nav(work, [(f"{i}.xhtml", t) for i, t in files]))
        _entry(archive, "OEBPS/style.css", STYLESHEET)
        for item_id, _, page in pages:
            _entry(archive, f"OEBPS/{item_id}.xhtml", page)
    return buffer.getvalue()
