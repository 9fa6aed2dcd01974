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
import re
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
from ficarchive.formats.importers.html import flatten_blocks, parse_story_blocks
from ficarchive.formats.importers.htmltree import (
    Node,
    by_class,
    by_id,
    by_tag,
    inner_html,
    lines_of,
    parse_html,
    text_of,
)
from ficarchive.formats.importers.metadata import (
    CATEGORY_BY_NAME,
    apply_field,
    header_line,
    normalize_key,
    parse_date,
)
from ficarchive.formats.importers.structure import STRAY_TEXT_WARNING, parse_chapter_heading
from ficarchive.formats.parsed import ParsedChapter, ParsedWork
from ficarchive.text import render_text
from ficarchive.text.htmlscan import count_text_words

EPUB_MEDIA_TYPE = "application/epub+zip"
CONTENT_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/x-dtbook+xml"})
MAX_SPINE = 2000
# Pages that are not chapters, by what the EPUB says they are: EPUB 3 landmarks and
# epub:type, EPUB 2 guide references.
_FRONT_TYPES = frozenset(
    {"cover", "titlepage", "title-page", "halftitlepage", "toc", "landmarks", "loi", "lot",
     "copyright-page", "colophon", "imprint", "frontispiece"}
)  # fmt: skip
_AFTERWORD_TYPES = frozenset({"afterword"})
# Their usual table-of-contents labels and file names (FanFicFare, fichub, pandoc, calibre).
_FRONT_TITLES = frozenset(
    {"contents", "table of contents", "toc", "cover", "title page", "title", "titlepage",
     "information", "info", "story information", "about this story", "front matter"}
)  # fmt: skip
_FRONT_FILES = frozenset(
    {"title_page", "titlepage", "title", "cover", "coverpage", "cover_page", "toc_page", "toc",
     "nav", "contents", "info", "information", "introduction_page", "log_page"}
)  # fmt: skip
_AFTERWORD_TITLES = frozenset({"afterword", "end notes", "author's afterword"})
# An information page is mostly "Label: value" lines: at least this many of them.
MIN_INFO_LINES = 3
_BY = re.compile(r"(?:^|\s)by\s+(?P<author>.+)$", re.IGNORECASE)


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
        elif name == "date" and work.published is None:
            event = next((v for k, v in element.attrib.items() if local_name(k) == "event"), "")
            if event in ("", "publication", "original-publication", "created"):
                work.published = parse_date(value)
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


def _typed_pages(archive: SafeZip, package: Element, opf_dir: str) -> dict[str, str]:
    """Return what the EPUB 2 guide and the EPUB 3 landmarks say each page is, by path
    ("title-page", "toc", "cover", "afterword"...)."""
    types: dict[str, str] = {}
    for reference in _children(package, "reference"):
        path = _resolve(opf_dir, reference.get("href", ""))
        if path:
            types.setdefault(path, reference.get("type", "").strip().lower())
    manifest = {item.get("id", ""): item for item in _children(package, "item")}
    nav = next(
        (item for item in manifest.values() if "nav" in item.get("properties", "").split()), None
    )
    path = _resolve(opf_dir, nav.get("href", "")) if nav is not None else ""
    if path and archive.has(path):
        tree = parse_html(archive.read_text(path))
        for landmarks in tree.find_all(lambda n: n.tag == "nav" and "landmarks" in _epub_types(n)):
            for link in landmarks.find_all(by_tag("a")):
                target = _resolve(posixpath.dirname(path), link.attrs.get("href", ""))
                kinds = _epub_types(link)
                if target and kinds:
                    types.setdefault(target, sorted(kinds)[0])
    return types


def _epub_types(node: Node) -> set[str]:
    return set(node.attrs.get("epub:type", "").lower().split())


def _page_kind(path: str, title: str, tree: Node, typed: dict[str, str]) -> str:
    """Return "front" (cover, title, information or contents page), "afterword" or
    "text" for one content file."""
    body = tree.find(by_tag("body")) or tree
    kinds = {typed.get(path, "")}
    kinds |= _epub_types(body)
    top = [child for child in body.elements() if child.tag in ("section", "div", "nav")]
    if len(top) == 1:
        kinds |= _epub_types(top[0])
    label = " ".join(title.lower().split())
    stem = posixpath.splitext(posixpath.basename(path))[0].lower()
    if kinds & _AFTERWORD_TYPES or label in _AFTERWORD_TITLES:
        return "afterword"
    if kinds & _FRONT_TYPES or label in _FRONT_TITLES or stem in _FRONT_FILES:
        return "front"
    if _info_lines(body) >= MIN_INFO_LINES:
        return "front"
    return "text"


def _page_lines(body: Node) -> list[str]:
    """Return the lines of a page: each block's lines (``<br>`` splits lines)."""
    return [line for block in flatten_blocks(body) for line in lines_of(block)]


def _info_lines(body: Node) -> int:
    """Return how many "Label: value" lines (FanFicFare's and fichub's information pages)
    the page holds, or 0 when they are not most of its lines."""
    lines = _page_lines(body)
    found = sum(1 for line in lines if header_line(line) is not None)
    return found if lines and found * 2 >= len(lines) else 0


def _read_front_page(body: Node, work: ParsedWork) -> None:
    """Apply what a title or information page says (author, summary, tags, dates...) to
    ``work``; its text is never a chapter."""
    for css, field in (("author", "author"), ("date", "published"), ("abstract", "summary")):
        node = body.find(by_class(css))
        if field == "author" and work.author:
            continue  # the package's own creator comes first
        if node is not None and text_of(node):
            apply_field(work, field, text_of(node), render_notes=render_html_notes, source="file")
    for index, line in enumerate(_page_lines(body)):
        pair = header_line(line)
        if pair is None:
            match = _BY.search(line)
            if match and index < 3 and not work.author:
                work.author = match.group("author").strip()[:200]
            continue
        key, value = pair
        if normalize_key(key) in ("category", "categories"):
            _apply_category(work, value)
            continue
        if normalize_key(key) in ("title", "author") and getattr(work, key) and value:
            continue  # the package's own title and creator come first
        apply_field(work, key, value, render_notes=render_html_notes, source="file")


def _apply_category(work: ParsedWork, value: str) -> None:
    """FanFicFare's "Category" is the fandom (FanFiction.Net's word) unless it names one of
    the archive's categories."""
    for name in [part.strip() for part in value.split(",") if part.strip()]:
        category = CATEGORY_BY_NAME.get(name.lower())
        target = work.categories if category else work.fandoms
        item = category or name
        if item not in target:
            target.append(item)


def _drop_page_breaks(tree: Node) -> None:
    """Remove EPUB page-break markers (``epub:type="pagebreak"``, ``role="doc-pagebreak"``)
    with their page numbers, which are no words of the story."""
    for node in tree.iter():
        node.children = [
            child
            for child in node.children
            if not (
                isinstance(child, Node)
                and (
                    "pagebreak" in _epub_types(child)
                    or child.attrs.get("role", "") == "doc-pagebreak"
                )
            )
        ]


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


def _generic_chapters(
    body: Node, title: str, work: ParsedWork, moved: list[int]
) -> list[ParsedChapter]:
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
    for warning in part.warnings:
        if warning == STRAY_TEXT_WARNING:
            moved.append(len(work.chapters) + 1)
        else:
            work.warnings.append(warning)
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
        tree = parse_html(archive.read_text(path))
        _drop_page_breaks(tree)
        native.restore_images(tree)
        documents.append((path, tree))
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


def _without(node: Node, unwanted: frozenset[str]) -> Node:
    """Return a copy of ``node`` without the elements whose id is in ``unwanted``."""
    children: list[Node | str] = []
    for child in node.children:
        if isinstance(child, Node):
            if child.attrs.get("id", "") in unwanted:
                continue
            child = _without(child, unwanted)
        children.append(child)
    return Node(node.tag, dict(node.attrs), children)


_AO3_PARTS = frozenset({"preface", "afterword"})


def _read_ao3_file(tree: Node, work: ParsedWork, *, first: bool) -> None:
    """Read one file of an AO3 EPUB by the markers of its sections, whichever it holds:
    the preface, chapters (or the rest of a chapter calibre split off), the afterword."""
    if tree.find(by_id("preface")) is not None:
        ao3.read_preface_into(tree, work)
    body = _without(tree.find(by_tag("body")) or tree, _AO3_PARTS)
    if count_text_words(text_of(body)) > 0:
        chapters = body.find(by_id("chapters")) or body
        if chapters is body and body.find(by_class("userstuff")) is None:
            # Calibre's split part holding bare paragraphs: wrap them as a text block.
            chapters = Node("div", {}, [Node("div", {"class": "userstuff"}, body.children)])
        ao3.read_chapters_into(chapters, work, continues=not first)
    if tree.find(by_id("afterword")) is not None:
        ao3.read_afterword_into(tree, work)


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
    typed = _typed_pages(archive, package, opf_dir)
    if ao3_file:
        for index, (_, tree) in enumerate(documents):
            _read_ao3_file(tree, work, first=index == 0 or not work.chapters)
        return
    bodies: list[tuple[str, Node]] = []
    for path, tree in documents:
        body = tree.find(by_tag("body")) or tree
        title = titles.get(path, "")
        kind = _page_kind(path, title, tree, typed)
        if kind == "front":
            _read_front_page(body, work)
            continue
        if count_text_words(text_of(body)) == 0:
            continue  # a cover or an image page
        if kind == "afterword":
            if title:
                _strip_leading_heading(body, title)
            notes = render_html_notes(inner_html(body))
            work.end_notes = "\n".join(filter(None, [work.end_notes, notes]))
            continue
        bodies.append((title, body))
    if len(bodies) == 1 and not bodies[0][0]:
        # One file holding the whole story: split it at its headings like an HTML file.
        parse_story_blocks(bodies[0][1], work)
        return
    moved: list[int] = []
    for title, body in bodies:
        work.chapters.extend(_generic_chapters(body, title, work, moved))
    if moved:
        places = [f"chapter {number}'s notes" for number in moved]
        listed = places[0] if len(places) == 1 else ", ".join(places[:-1]) + " and " + places[-1]
        work.warnings.append(
            f"Text before a chapter heading was kept as notes ({listed}); if it is story "
            "text, move it into the chapter."
        )
