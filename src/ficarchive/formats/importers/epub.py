"""Import an EPUB (2 or 3): chapters in spine order, titles from the navigation, metadata
from the package document.

``META-INF/container.xml`` names the package document (OPF); its metadata gives the title
(``dc:title``), author (``dc:creator``), language (``dc:language``), summary
(``dc:description``) and tags (``dc:subject``); its spine gives the reading order. Chapter
titles come from the EPUB 3 navigation document (``nav[epub:type=toc]``) or the EPUB 2
``toc.ncx``, else from a heading at the top of the chapter file. Files without text (covers,
image pages, the table of contents) are left out.

EPUBs made by this archive carry a title page with the full metadata, summary and notes, and
chapter files with their notes: :mod:`.native` reads those back exactly. AO3's EPUBs keep
AO3's preface and afterword, read by :mod:`.ao3`'s helpers.

Everything is read in memory through :class:`.archive.SafeZip` (size, ratio and name
checks) and XML through defusedxml.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from ficarchive.formats.importers import ao3, native
from ficarchive.formats.importers.archive import (
    DEFAULT_LIMITS,
    ArchiveLimits,
    SafeZip,
    local_name,
    parse_xml,
)
from ficarchive.formats.importers.base import ImportRejected
from ficarchive.formats.importers.common import (
    apply_language,
    finish_work,
    render_html_notes,
)
from ficarchive.formats.importers.html import parse_story_blocks
from ficarchive.formats.importers.htmltree import (
    Node,
    by_class,
    by_id,
    by_tag,
    parse_html,
    text_of,
)
from ficarchive.formats.importers.metadata import apply_field
from ficarchive.formats.importers.structure import parse_chapter_heading
from ficarchive.formats.parsed import ParsedChapter, ParsedWork
from ficarchive.text import render_text
from ficarchive.text.htmlscan import count_text_words

EPUB_MEDIA_TYPE = "application/epub+zip"
CONTENT_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/x-dtbook+xml"})
MAX_SPINE = 2000
_SKIPPED_TITLES = frozenset({"contents", "table of contents", "toc", "cover", "title page"})


def is_epub(archive: SafeZip) -> bool:
    """Return True when the archive is an EPUB (its mimetype entry or its container)."""
    if archive.has("META-INF/container.xml"):
        return True
    if archive.has("mimetype"):
        return archive.read("mimetype").strip().startswith(EPUB_MEDIA_TYPE.encode())
    return False


def _resolve(base_dir: str, href: str) -> str:
    path = unquote(urlsplit(href).path)
    return posixpath.normpath(posixpath.join(base_dir, path)) if path else ""


def _package_path(archive: SafeZip) -> str:
    container = parse_xml(archive.read("META-INF/container.xml"), "the EPUB's container.xml")
    for element in container.iter():
        if local_name(element.tag) == "rootfile" and element.get("full-path"):
            return posixpath.normpath(element.get("full-path", ""))
    raise ImportRejected(
        "This EPUB file is damaged: its container.xml names no package document. Save or "
        "download it again, then import the new copy."
    )


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element.iter() if local_name(child.tag) == name]


def _text(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _read_metadata(package: Element, work: ParsedWork) -> list[str]:
    """Apply the package's Dublin Core metadata; return the subjects (tags)."""
    metadata = next((e for e in package if local_name(e.tag) == "metadata"), None)
    if metadata is None:
        return []
    subjects: list[str] = []
    for element in metadata.iter():
        name = local_name(element.tag)
        value = _text(element)
        if not value:
            continue
        if name == "title" and not work.title:
            work.title = value[:255]
        elif name == "creator" and not work.author:
            work.author = value[:200]
        elif name == "language" and not work.language:
            apply_language(work, value)
        elif name == "description" and not work.summary:
            raw = "".join(element.itertext()).strip()
            fmt = "html" if "<" in raw and ">" in raw else "text"
            if fmt == "html":
                work.summary = render_html_notes(raw)
            else:
                work.summary = render_text(raw, "text", paragraph_ids=False).html
        elif name == "subject":
            subjects.append(value)
    return subjects


def _toc_titles(archive: SafeZip, package: Element, opf_dir: str) -> dict[str, str]:
    """Return chapter titles by file path, from the EPUB 3 nav or the EPUB 2 NCX."""
    manifest = {item.get("id", ""): item for item in _children(package, "item")}
    titles: dict[str, str] = {}
    nav = next(
        (item for item in manifest.values() if "nav" in item.get("properties", "").split()), None
    )
    if nav is not None:
        path = _resolve(opf_dir, nav.get("href", ""))
        if archive.has(path):
            tree = parse_html(archive.read_text(path))
            toc = tree.find(
                lambda node: node.tag == "nav" and node.attrs.get("epub:type", "") == "toc"
            ) or tree.find(by_tag("nav"))
            for link in toc.find_all(by_tag("a")) if toc is not None else []:
                target = _resolve(posixpath.dirname(path), link.attrs.get("href", ""))
                if target and target not in titles and text_of(link):
                    titles[target] = text_of(link)
            if titles:
                return titles
    spine = next((e for e in package if local_name(e.tag) == "spine"), None)
    ncx_item = manifest.get(spine.get("toc", "")) if spine is not None else None
    if ncx_item is None:
        ncx_item = next(
            (i for i in manifest.values() if i.get("media-type") == "application/x-dtbncx+xml"),
            None,
        )
    if ncx_item is not None:
        path = _resolve(opf_dir, ncx_item.get("href", ""))
        if archive.has(path):
            ncx = parse_xml(archive.read(path), "the EPUB's table of contents (toc.ncx)")
            for point in _children(ncx, "navPoint"):
                label = next((e for e in point if local_name(e.tag) == "navLabel"), None)
                content = next((e for e in point if local_name(e.tag) == "content"), None)
                if label is None or content is None:
                    continue
                target = _resolve(posixpath.dirname(path), content.get("src", ""))
                if target and target not in titles and _text(label):
                    titles[target] = _text(label)
    return titles


def _spine_paths(package: Element, opf_dir: str) -> list[tuple[str, bool]]:
    """Return (path, is the navigation document) of each content file in reading order."""
    manifest = {item.get("id", ""): item for item in _children(package, "item")}
    spine = next((e for e in package if local_name(e.tag) == "spine"), None)
    if spine is None:
        raise ImportRejected(
            "This EPUB file is damaged: its package document has no spine (reading order)."
        )
    paths: list[tuple[str, bool]] = []
    for itemref in [e for e in spine if local_name(e.tag) == "itemref"][:MAX_SPINE]:
        item = manifest.get(itemref.get("idref", ""))
        if item is None or item.get("media-type", "") not in CONTENT_TYPES:
            continue
        nav = "nav" in item.get("properties", "").split()
        paths.append((_resolve(opf_dir, item.get("href", "")), nav))
    return paths


def _strip_leading_heading(body: Node, title: str) -> None:
    """Remove the first heading of a chapter file when it repeats the chapter's title."""
    heading = body.find(by_tag("h1", "h2", "h3", "h4"))
    if heading is None:
        return
    text = text_of(heading)
    if text.casefold() == title.casefold() or parse_chapter_heading(text) is not None:
        for node in body.iter():
            if heading in node.children:
                node.children.remove(heading)
                return


def _generic_chapters(body: Node, title: str, work: ParsedWork) -> list[ParsedChapter]:
    """Return the chapter(s) in one content file: its blocks read as an HTML story (scene
    breaks, notes at the top and bottom), titled from the table of contents, a chapter
    heading, or a lone heading at the top."""
    if title:
        _strip_leading_heading(body, title)
        parsed = parse_chapter_heading(title)
        if parsed is not None:
            title = parsed
    part = ParsedWork()
    parse_story_blocks(body, part)
    work.warnings.extend(part.warnings)
    if not part.chapters:
        return []
    first = part.chapters[0]
    first.title = first.title or title or part.title
    first.title = first.title[:255]
    first.notes = "\n".join(filter(None, [part.notes, first.notes]))
    last = part.chapters[-1]
    last.end_notes = "\n".join(filter(None, [last.end_notes, part.end_notes]))
    return part.chapters


def parse_epub(data: bytes, *, limits: ArchiveLimits = DEFAULT_LIMITS) -> ParsedWork:
    """Return the work in an EPUB file. Raises ImportRejected for a damaged or unsafe file."""
    archive = SafeZip(data, "EPUB", limits)
    return parse_epub_archive(archive)


def parse_epub_archive(archive: SafeZip) -> ParsedWork:
    """Return the work in an opened EPUB archive."""
    if not archive.has("META-INF/container.xml"):
        raise ImportRejected(
            "This EPUB file is damaged: META-INF/container.xml is missing, so its chapters "
            "cannot be found. Save or download it again, then import the new copy."
        )
    opf_path = _package_path(archive)
    package = parse_xml(archive.read(opf_path), "the EPUB's package document")
    opf_dir = posixpath.dirname(opf_path)
    work = ParsedWork()
    documents: list[tuple[str, Node]] = []
    for path, is_nav in _spine_paths(package, opf_dir):
        if is_nav or not archive.has(path):
            continue
        documents.append((path, parse_html(archive.read_text(path))))
    native_file = any(native.is_native(tree) for _, tree in documents)
    ao3_file = any(tree.find(by_id("preface")) is not None for _, tree in documents)
    subjects = _read_metadata(package, work)
    if native_file:
        _read_native(documents, work)
    else:
        _read_generic(archive, package, opf_dir, documents, work, ao3_file=ao3_file)
        if not ao3_file:  # AO3 lists every tag (fandoms too) as a subject; its preface has them
            apply_field(work, "tags", subjects, render_notes=render_html_notes, source="file")
    finish_work(work)
    return work


def _read_native(documents: list[tuple[str, Node]], work: ParsedWork) -> None:
    drafts = any(native.has_drafts(tree) for _, tree in documents)
    for _, tree in documents:
        if native.is_native(tree):
            native.read_preface(tree, work)
            continue
        section = tree.find(
            lambda node: node.tag == "section" and node.attrs.get("epub:type") == "chapter"
        )
        if section is not None:
            chapter = native.read_chapter(section, work, drafts=drafts)
            if chapter is not None:
                work.chapters.append(chapter)
            continue
        afterword = tree.find(
            lambda node: node.tag == "section" and node.attrs.get("epub:type") == "afterword"
        )
        if afterword is not None:
            work.end_notes = native.blockquote_html(afterword)


def _read_generic(
    archive: SafeZip,
    package: Element,
    opf_dir: str,
    documents: list[tuple[str, Node]],
    work: ParsedWork,
    *,
    ao3_file: bool,
) -> None:
    titles = _toc_titles(archive, package, opf_dir)
    bodies: list[tuple[str, Node]] = []
    for path, tree in documents:
        if ao3_file and tree.find(by_id("preface")) is not None:
            ao3.read_preface_into(tree, work)
            continue
        if ao3_file and tree.find(by_id("afterword")) is not None:
            ao3.read_afterword_into(tree, work)
            continue
        body = tree.find(by_tag("body")) or tree
        if ao3_file and body.find(by_class("userstuff")) is not None:
            ao3.read_chapters_into(tree.find(by_id("chapters")) or body, work)
            continue
        if count_text_words(text_of(body)) == 0:
            continue  # a cover or an image page
        if titles.get(path, "").strip().lower() in _SKIPPED_TITLES and tree.find(by_tag("nav")):
            continue
        bodies.append((titles.get(path, ""), body))
    if len(bodies) == 1 and not bodies[0][0]:
        # One file holding the whole story: split it at its headings like an HTML file.
        parse_story_blocks(bodies[0][1], work)
        return
    for title, body in bodies:
        work.chapters.extend(_generic_chapters(body, title, work))
