"""Atom 1.0 feeds (RFC 4287), OPDS 1.2 catalogs (Atom with OPDS links) and OpenSearch
descriptions, written with xml.etree so that every text and attribute is escaped.

Pure: no Django here. The views turn works and tags into these dataclasses."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime

ATOM = "http://www.w3.org/2005/Atom"
DCTERMS = "http://purl.org/dc/terms/"
OPDS = "http://opds-spec.org/2010/catalog"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"

ATOM_TYPE = "application/atom+xml"
NAVIGATION_TYPE = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"
ACQUISITION_REL = "http://opds-spec.org/acquisition"

# Characters XML 1.0 cannot hold, even escaped (C0 controls but tab, newline and carriage
# return; lone surrogates; U+FFFE and U+FFFF). Text with them would make the feed unreadable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The OpenSearch ShortName holds at most 16 characters, its Description 1024.
SHORT_NAME_MAX = 16
DESCRIPTION_MAX = 1024

for _prefix, _uri in (("dcterms", DCTERMS), ("opds", OPDS), ("opensearch", OPENSEARCH)):
    ET.register_namespace(_prefix, _uri)


def xml_safe(value: str) -> str:
    """Return ``value`` without the characters XML cannot hold (ElementTree escapes the rest)."""
    return _XML_INVALID.sub("", value)


def timestamp(moment: datetime) -> str:
    """Return an RFC 3339 date-time in UTC ("2026-11-25T15:04:21Z")."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Link:
    href: str
    rel: str
    type: str = ""
    title: str = ""


@dataclass(frozen=True)
class Person:
    name: str
    uri: str = ""


@dataclass(frozen=True)
class Category:
    term: str
    label: str = ""
    scheme: str = ""


@dataclass
class Entry:
    id: str
    title: str
    updated: datetime
    links: list[Link] = field(default_factory=list)
    published: datetime | None = None
    authors: list[Person] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    summary: str = ""
    summary_type: str = "text"  # "text" or "html" (then escaped HTML, as Atom says)
    content: str = ""
    content_type: str = "text"
    language: str = ""  # dcterms:language (OPDS)
    identifier: str = ""  # dcterms:identifier (OPDS), e.g. the EPUB's urn:uuid


@dataclass
class Feed:
    id: str
    title: str
    updated: datetime
    links: list[Link] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    subtitle: str = ""
    author: Person | None = None
    # OpenSearch response elements, for paginated feeds.
    total_results: int | None = None
    items_per_page: int | None = None
    start_index: int | None = None


def _sub(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
    element = ET.SubElement(
        parent, tag, {name: xml_safe(value) for name, value in attributes.items() if value}
    )
    if text:
        element.text = xml_safe(text)
    return element


def _atom(name: str) -> str:
    # Atom elements are written unqualified under the root's xmlns (ElementTree's
    # default_namespace refuses unqualified attributes such as rel and href).
    return name


def _link(parent: ET.Element, link: Link) -> None:
    _sub(parent, _atom("link"), rel=link.rel, href=link.href, type=link.type, title=link.title)


def _person(parent: ET.Element, role: str, person: Person) -> None:
    element = _sub(parent, _atom(role))
    # atom:name must not be empty.
    _sub(element, _atom("name"), xml_safe(person.name) or "Anonymous")
    if person.uri:
        _sub(element, _atom("uri"), person.uri)


def _text(parent: ET.Element, name: str, value: str, kind: str) -> None:
    _sub(parent, _atom(name), value, type=kind)


def _entry(parent: ET.Element, entry: Entry) -> None:
    element = _sub(parent, _atom("entry"))
    _sub(element, _atom("id"), entry.id)
    # atom:title must not be empty either.
    _text(element, "title", xml_safe(entry.title).strip() or "Untitled", "text")
    _sub(element, _atom("updated"), timestamp(entry.updated))
    if entry.published is not None:
        _sub(element, _atom("published"), timestamp(entry.published))
    for author in entry.authors:
        _person(element, "author", author)
    if entry.language:
        _sub(element, f"{{{DCTERMS}}}language", entry.language)
    if entry.identifier:
        _sub(element, f"{{{DCTERMS}}}identifier", entry.identifier)
    for category in entry.categories:
        if xml_safe(category.term):
            _sub(
                element,
                _atom("category"),
                term=category.term,
                label=category.label,
                scheme=category.scheme,
            )
    for link in entry.links:
        _link(element, link)
    if entry.summary:
        _text(element, "summary", entry.summary, entry.summary_type)
    if entry.content:
        _text(element, "content", entry.content, entry.content_type)


def _document(root: ET.Element) -> bytes:
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode()


def render_feed(feed: Feed) -> bytes:
    """Return the feed as a UTF-8 Atom document."""
    root = ET.Element("feed", {"xmlns": ATOM})
    _sub(root, _atom("id"), feed.id)
    _text(root, "title", xml_safe(feed.title).strip() or "Untitled", "text")
    if feed.subtitle:
        _text(root, "subtitle", feed.subtitle, "text")
    _sub(root, _atom("updated"), timestamp(feed.updated))
    if feed.author is not None:
        _person(root, "author", feed.author)
    for link in feed.links:
        _link(root, link)
    if feed.total_results is not None:
        _sub(root, f"{{{OPENSEARCH}}}totalResults", str(feed.total_results))
    if feed.items_per_page is not None:
        _sub(root, f"{{{OPENSEARCH}}}itemsPerPage", str(feed.items_per_page))
    if feed.start_index is not None:
        _sub(root, f"{{{OPENSEARCH}}}startIndex", str(feed.start_index))
    for entry in feed.entries:
        _entry(root, entry)
    return _document(root)


def render_opensearch(
    *, short_name: str, description: str, template: str, result_type: str
) -> bytes:
    """Return an OpenSearch 1.1 description whose one Url template gives ``result_type``."""
    root = ET.Element("OpenSearchDescription", {"xmlns": OPENSEARCH})
    short = xml_safe(short_name).strip()[:SHORT_NAME_MAX] or "Search"
    _sub(root, "ShortName", short)
    _sub(root, "Description", description[:DESCRIPTION_MAX])
    _sub(root, "InputEncoding", "UTF-8")
    _sub(root, "OutputEncoding", "UTF-8")
    _sub(root, "Url", type=result_type, template=template)
    return _document(root)
