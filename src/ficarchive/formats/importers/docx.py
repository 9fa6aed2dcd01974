"""Import a Word document (.docx): paragraphs, bold and italic, headings as chapter breaks.

The archive is checked first (:class:`.archive.SafeZip`: sizes, ratio, names) and every
XML part is parsed once with defusedxml, so no document type or entity reaches the converter.
mammoth then turns the document into plain semantic HTML (Heading 1/2 styles become ``h1``/
``h2``, bold ``strong``, italic ``em``; images are left out and external files are never
opened), and the HTML importer finds the chapters: headings, or paragraphs such as
``Chapter 1`` typed in bold. A paragraph in Word's *Title* style is the work's title; else
the document properties' title.
"""

from __future__ import annotations

import io
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
from ficarchive.formats.importers.html import parse_story_blocks
from ficarchive.formats.importers.htmltree import by_class, parse_html, text_of
from ficarchive.formats.parsed import ParsedWork

DOCUMENT = "word/document.xml"
_TITLE_CLASS = "ficarchive-docx-title"
STYLE_MAP = f"""
p[style-name='Title'] => p.{_TITLE_CLASS}:fresh
p[style-name='Subtitle'] => p:fresh
"""
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


def _no_images(image: Any) -> list[Any]:
    return []


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
    parse_story_blocks(root, work)
    core_title = properties.get("title", "")
    if not work.title and core_title.lower() not in _PLACEHOLDER_TITLES:
        work.title = core_title[:255]
    if not work.author and properties.get("creator"):
        work.author = properties["creator"][:200]
    return work
