"""Sanitize HTML with nh3 (ammonia): an allowlist of tags and attributes, safe URLs only.

Allowed: the DESIGN.md list (p, br, em, strong, i, b, u, s, blockquote, hr, h1-h6, ul, ol, li,
a, img, the table family, sup, sub, span, div, details/summary, ruby/rt/rp) plus pre and code
(what Markdown code produces). Links keep ``href`` only for http, https and mailto URLs and
always carry ``rel="nofollow noopener"``; images keep ``src`` only for http and https URLs.
No ``style``, no event handlers, no ``class`` but the alignment classes (``align-center``,
``align-right``, ``align-justify``) that :mod:`ficarchive.text.align` writes from the
writer's ``align``, ``text-align`` and ``<center>`` just before cleaning; no no ``id`` except the paragraph anchors
``id="p1"``, ``id="p2"``... that :func:`ficarchive.text.add_paragraph_ids` writes, so that
rendered HTML passes through the sanitizer unchanged, and the footnote anchors of imported
documents: ``id="fn1"``/``id="fnref1"`` (``en`` for endnotes) on links and list items, with
links to them (``href="#fn1"``), the only relative links kept.
"""

from __future__ import annotations

import re

import nh3

from ficarchive.text.align import ALIGNABLE_TAGS, alignment_to_classes, keep_alignment_classes
from ficarchive.text.nesting import limit_nesting

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "em", "strong", "i", "b", "u", "s", "blockquote", "hr",
        "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "img",
        "table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td",
        "sup", "sub", "span", "div", "details", "summary", "ruby", "rt", "rp",
        "pre", "code",
    }
)  # fmt: skip

ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset({"title", "lang", "dir"}),
    "a": frozenset({"href", "id"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "p": frozenset({"id"}),
    "ol": frozenset({"start", "reversed"}),
    "li": frozenset({"value", "id"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "details": frozenset({"open"}),
}
for _tag in ALIGNABLE_TAGS:
    ALLOWED_ATTRIBUTES[_tag] = ALLOWED_ATTRIBUTES.get(_tag, frozenset()) | {"class"}

# Elements removed together with everything inside them.
REMOVED_WITH_CONTENT: frozenset[str] = frozenset(
    {
        "script", "style", "template", "noscript", "iframe", "frame", "frameset", "noframes",
        "noembed", "object", "embed", "applet", "xmp", "textarea", "title", "svg", "math",
        "select", "option", "head",
    }
)  # fmt: skip

LINK_REL = "nofollow noopener"
LINK_SCHEMES = ("http:", "https:", "mailto:")
IMAGE_SCHEMES = ("http:", "https:")

PARAGRAPH_ID = re.compile(r"p[1-9][0-9]{0,6}")
NOTE_ID = re.compile(r"(?:fn|en)(?:ref)?[1-9][0-9]{0,3}")
_NUMBER = re.compile(r"[0-9]{1,4}")
_LANG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,4}")
_SCOPE = frozenset({"row", "col", "rowgroup", "colgroup"})
_DIR = frozenset({"ltr", "rtl", "auto"})
# Browsers drop ASCII tab and newline anywhere in a URL and C0 controls and spaces at its ends.
_URL_IGNORED = re.compile("[\x00-\x20\x7f]+")
_SURROGATES = re.compile("[\ud800-\udfff]")
_MAX_PASSES = 4


def _url_has_scheme(value: str, schemes: tuple[str, ...]) -> bool:
    return _URL_IGNORED.sub("", value).lower().startswith(schemes)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Return the attribute value to keep, or None to drop the attribute."""
    if attribute == "href":
        if value.startswith("#") and NOTE_ID.fullmatch(value[1:]):
            return value
        return value if _url_has_scheme(value, LINK_SCHEMES) else None
    if attribute == "src":
        return value if _url_has_scheme(value, IMAGE_SCHEMES) else None
    if attribute == "id":
        if tag in ("a", "li"):
            return value if NOTE_ID.fullmatch(value) else None
        return value if PARAGRAPH_ID.fullmatch(value) else None
    if attribute in {"width", "height", "colspan", "rowspan", "span", "start", "value"}:
        return value if _NUMBER.fullmatch(value.strip()) else None
    if attribute == "lang":
        return value if _LANG.fullmatch(value) else None
    if attribute == "dir":
        return value if value in _DIR else None
    if attribute == "scope":
        return value if value in _SCOPE else None
    if attribute == "class":
        return keep_alignment_classes(value)
    if attribute == "reversed":
        return ""
    return value


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(REMOVED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_attribute_filter,
    strip_comments=True,
    link_rel=LINK_REL,
    url_schemes={"http", "https", "mailto"},
    # Relative URLs pass here only to reach _attribute_filter, which keeps none but the
    # footnote fragments (#fn1).
    url_relative="pass_through",
)


def _clean_once(markup: str) -> str:
    return _CLEANER.clean(markup)


def sanitize_html(markup: str) -> str:
    """Return ``markup`` reduced to the allowlist, serialized as well-formed HTML.

    Idempotent: ``sanitize_html(sanitize_html(x)) == sanitize_html(x)``. nh3 alone is not
    always (removing a disallowed element can leave nesting that parses differently the
    next time), so the cleaner is applied until its output no longer changes; in the
    pathological case that it never settles, the text is returned escaped in a paragraph.
    Elements nested deeper than :data:`ficarchive.text.nesting.MAX_NESTING` are flattened
    into the element at that depth first (the parser's cost grows with the square of it).
    """
    if _SURROGATES.search(markup):
        markup = _SURROGATES.sub("", markup)
    markup = limit_nesting(markup)
    markup = alignment_to_classes(markup)
    cleaned = _clean_once(markup)
    if cleaned == markup:
        return cleaned  # already clean: a second pass would give it back again
    for _ in range(_MAX_PASSES):
        again = _clean_once(cleaned)
        if again == cleaned:
            return cleaned
        cleaned = again
    return _clean_once("<p>" + nh3.clean(cleaned, tags=set()) + "</p>")
