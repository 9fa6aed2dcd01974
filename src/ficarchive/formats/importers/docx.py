"""Import a Word document (.docx): paragraphs, bold and italic, headings as chapter breaks.

The archive is checked first (:class:`.archive.SafeZip`: sizes, ratio, names) and every
XML part is parsed once with defusedxml, so no document type or entity reaches the converter.
mammoth then turns the document into plain semantic HTML (Heading 1/2 styles become ``h1``/
``h2``, bold ``strong``, italic ``em``; images are left out and external files are never
opened), and the HTML importer finds the chapters: headings, or paragraphs such as
``Chapter 1`` typed in bold. A paragraph in Word's *Title* style is the work's title; else
the document properties' title. A paragraph's own alignment (centred, right, justified) is
kept as the archive's alignment class (see :mod:`ficarchive.text.align`).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import mammoth

from ficarchive.formats.importers.archive import (
    DEFAULT_LIMITS,
    ArchiveLimits,
    SafeZip,
    local_name,
    parse_xml,
)
from ficarchive.formats.importers.base import ImportRejected
from ficarchive.formats.importers.common import render_html_notes
from ficarchive.formats.importers.html import parse_story_blocks
from ficarchive.formats.importers.htmltree import Node, by_class, outer_html, parse_html, text_of
from ficarchive.formats.parsed import ParsedWork

DOCUMENT = "word/document.xml"
_TITLE_CLASS = "ficarchive-docx-title"
STYLE_MAP = f"""
p[style-name='Title'] => p.{_TITLE_CLASS}:fresh
p[style-name='Subtitle'] => p:fresh
p[style-name='Quote'] => blockquote > p:fresh
p[style-name='Intense Quote'] => blockquote > p:fresh
p[style-name='Block Text'] => blockquote > p:fresh
p[style-name='Block Quotation'] => blockquote > p:fresh
p.FicarchiveAlignCenter => p.align-center:fresh
p.FicarchiveAlignRight => p.align-right:fresh
p.FicarchiveAlignJustify => p.align-justify:fresh
"""
# Word's paragraph justification values and the alignment kept for each ("left"/"start"
# is the default). A paragraph without a style of its own gets the style id above, which
# the style map turns into the alignment class.
_JUSTIFICATION = {
    b"center": b"Center", b"right": b"Right", b"end": b"Right",
    b"both": b"Justify", b"distribute": b"Justify",
}  # fmt: skip
_PARAGRAPH_PROPERTIES = re.compile(rb"<w:pPr>(.*?)</w:pPr>", re.DOTALL)
_JC = re.compile(rb"<w:jc\s+w:val=\"([A-Za-z]+)\"\s*/>")
# mammoth's ids for notes and the links to them, and the ids the sanitizer keeps.
_NOTE_ID = re.compile(r"(?P<kind>footnote|endnote)-(?P<ref>ref-)?(?P<number>[1-9][0-9]{0,3})")
_NOTE_LINK = re.compile(r'href="#(?P<id>(?:fn|en)[1-9][0-9]{0,3})"')
_XML_SUFFIXES = (".xml", ".rels")
# Titles Word fills in by itself; they say nothing about the story.
_PLACEHOLDER_TITLES = frozenset({"", "document", "document1", "untitled", "title"})


def is_docx(archive: SafeZip) -> bool:
    """Return True when the archive is a Word document."""
    return archive.has(DOCUMENT)


def _check_xml_parts(archive: SafeZip) -> None:
    for name in archive.names():
        if name.endswith(_XML_SUFFIXES) or name == "[Content_Types].xml":
            parse_xml(archive.read(name), f"the part “{name[:80]}” of this DOCX file")


def _core_properties(archive: SafeZip) -> dict[str, str]:
    if not archive.has("docProps/core.xml"):
        return {}
    root = parse_xml(archive.read("docProps/core.xml"), "the DOCX document properties")
    values: dict[str, str] = {}
    for element in root:
        text = " ".join("".join(element.itertext()).split())
        if text:
            values.setdefault(local_name(element.tag), text)
    return values


def _note_id(value: str) -> str:
    match = _NOTE_ID.fullmatch(value.removeprefix("#"))
    if match is None:
        return ""
    prefix = "fn" if match["kind"] == "footnote" else "en"
    hash_ = "#" if value.startswith("#") else ""
    return f"{hash_}{prefix}{'ref' if match['ref'] else ''}{match['number']}"


def _take_notes(root: Node) -> dict[str, Node]:
    """Remove the footnote and endnote lists mammoth puts at the end of the document; return
    the notes by their new id ("fn1", "en2"), with every note id and link renamed to the
    ones the sanitizer keeps (``id="fnref1"``, ``href="#fn1"``)."""
    notes: dict[str, Node] = {}
    for node in root.iter():
        for attribute in ("id", "href"):
            if attribute in node.attrs and (renamed := _note_id(node.attrs[attribute])):
                node.attrs[attribute] = renamed
        kept: list[Node | str] = []
        for child in node.children:
            items = (
                [item for item in child.elements() if item.tag == "li"]
                if isinstance(child, Node) and child.tag == "ol"
                else []
            )
            if items and all(_NOTE_ID.fullmatch(item.attrs.get("id", "")) for item in items):
                for item in items:
                    item.attrs["id"] = _note_id(item.attrs["id"])
                    for inner in item.iter():
                        if "href" in inner.attrs and (renamed := _note_id(inner.attrs["href"])):
                            inner.attrs["href"] = renamed
                    notes[item.attrs["id"]] = item
                continue
            kept.append(child)
        node.children = kept
    return notes


def _place_notes(work: ParsedWork, notes: dict[str, Node]) -> None:
    """Put each footnote and endnote at the end of the chapter that refers to it (the work's
    end notes for notes no chapter refers to), as a numbered list its links point to."""
    placed: set[str] = set()
    for chapter in work.chapters:
        wanted = [m["id"] for m in _NOTE_LINK.finditer(chapter.html) if m["id"] in notes]
        wanted = [note for note in dict.fromkeys(wanted) if note not in placed]
        if wanted:
            placed.update(wanted)
            html = _notes_html([notes[note] for note in wanted])
            chapter.end_notes = "\n".join(filter(None, [chapter.end_notes, html]))
    rest = [node for note, node in notes.items() if note not in placed]
    if rest:
        work.end_notes = "\n".join(filter(None, [work.end_notes, _notes_html(rest)]))


def _notes_html(items: list[Node]) -> str:
    """Return notes as ordered lists numbered as in the document."""
    out: list[str] = []
    for item in items:
        number = int(re.sub(r"\D", "", item.attrs.get("id", "")) or 1)
        out.append(f'<ol start="{number}">{outer_html(item)}</ol>')
    return render_html_notes("".join(out))


def _no_images(image: Any) -> list[Any]:
    return []


def _aligned_paragraph(match: re.Match[bytes]) -> bytes:
    properties = match.group(1)
    if b"<w:pStyle" in properties:
        return match.group(0)
    found = _JC.search(properties)
    style = _JUSTIFICATION.get(found.group(1).lower()) if found else None
    if style is None:
        return match.group(0)
    return b'<w:pPr><w:pStyle w:val="FicarchiveAlign' + style + b'"/>' + properties + b"</w:pPr>"


def _with_alignment_styles(archive: SafeZip, data: bytes) -> bytes:
    """Return the .docx with its centred, right-aligned and justified paragraphs (those
    with no style of their own) given the style ids that STYLE_MAP turns into alignment
    classes; ``data`` itself when no paragraph is aligned."""
    document = archive.read(DOCUMENT)
    if b"<w:jc " not in document:
        return data
    marked = _PARAGRAPH_PROPERTIES.sub(_aligned_paragraph, document)
    if marked == document:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in archive.names():
            # Every member's size was checked when the archive was opened.
            copy.writestr(
                name, marked if name == DOCUMENT else archive.zip.read(archive.infos[name])
            )
    return out.getvalue()


def parse_docx(data: bytes, *, limits: ArchiveLimits = DEFAULT_LIMITS) -> ParsedWork:
    """Return the work in a .docx file. Raises ImportRejected for a damaged or unsafe file."""
    return parse_docx_archive(SafeZip(data, "DOCX", limits), data)


def parse_docx_archive(archive: SafeZip, data: bytes) -> ParsedWork:
    """Return the work in an opened .docx archive (``data`` is its bytes)."""
    if not is_docx(archive):
        raise ImportRejected(
            "This file is not a Word document: word/document.xml is missing from it. Save it "
            "from Word (or LibreOffice) as .docx and import that file."
        )
    _check_xml_parts(archive)
    properties = _core_properties(archive)
    data = _with_alignment_styles(archive, data)
    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data),
            style_map=STYLE_MAP,
            include_embedded_style_map=False,
            external_file_access=False,
            convert_image=_no_images,
        )
        markup = str(result.value)
    except ImportRejected:
        raise
    except Exception as error:  # the converter's errors have no common base class
        raise ImportRejected(
            f"This DOCX file could not be read ({type(error).__name__}). Open it in Word or "
            "LibreOffice, save it again as .docx, and import the new copy."
        ) from None
    root = parse_html(markup)
    work = ParsedWork()
    for node in root.find_all(by_class(_TITLE_CLASS)):
        if not work.title and text_of(node):
            work.title = text_of(node)[:255]
        node.children.clear()
    notes = _take_notes(root)
    parse_story_blocks(root, work)
    _place_notes(work, notes)
    core_title = properties.get("title", "")
    if not work.title and core_title.lower() not in _PLACEHOLDER_TITLES:
        work.title = core_title[:255]
    if not work.author and properties.get("creator"):
        work.author = properties["creator"][:200]
    return work
