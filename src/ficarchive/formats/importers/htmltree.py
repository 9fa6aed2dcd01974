"""A small, forgiving HTML tree for importers: the standard library's parser, no Django.

Importers need to find the parts of a document (a preface, a definition list, chapters) and
hand the markup of each part to the text pipeline, which sanitizes it. This module builds a
tree of :class:`Node` from any HTML or XHTML (sloppy markup included), drops what can never
be story text (script, style, template), and serializes parts back to HTML.

Hostile input stays cheap: nesting deeper than :data:`MAX_DEPTH` is flattened into the
element at that depth (so the recursive helpers here never hit Python's recursion limit),
and entities are only the standard HTML ones (the parser never expands a document type's
entity declarations).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

from ficarchive.text.nesting import limit_nesting

MAX_DEPTH = 120
VOID_TAGS: frozenset[str] = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip
# Elements whose content is never story text.
SKIPPED_TAGS: frozenset[str] = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "svg", "math", "select",
     "textarea", "button"}
)  # fmt: skip
# Elements that end an open <p> when they start (as an HTML parser does).
_CLOSES_P: frozenset[str] = frozenset(
    {"address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset",
     "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
     "hr", "main", "nav", "ol", "p", "pre", "section", "table", "ul"}
)  # fmt: skip
# An element that ends an open sibling of the listed kinds when it starts.
_CLOSES_SIBLING: dict[str, frozenset[str]] = {
    "li": frozenset({"li"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
    "tr": frozenset({"tr", "td", "th"}),
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
    "option": frozenset({"option"}),
}
# Elements a sibling-closing start tag must not reach past.
_SCOPE: frozenset[str] = frozenset({"ul", "ol", "dl", "table", "div", "section", "body"})


@dataclass
class Node:
    """An element: its tag (lower case), attributes and children (nodes and text)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> frozenset[str]:
        """Return the element's class names."""
        return frozenset(self.attrs.get("class", "").split())

    def elements(self) -> Iterator[Node]:
        """Yield the element children."""
        return (child for child in self.children if isinstance(child, Node))

    def iter(self) -> Iterator[Node]:
        """Yield this element and every element below it, in document order."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(list(node.elements())))

    def find_all(self, predicate: Callable[[Node], bool]) -> list[Node]:
        """Return the elements below (and including) this one that match, in order."""
        return [node for node in self.iter() if predicate(node)]

    def find(self, predicate: Callable[[Node], bool]) -> Node | None:
        """Return the first element (this one included) that matches, or None."""
        return next((node for node in self.iter() if predicate(node)), None)


def by_tag(*tags: str) -> Callable[[Node], bool]:
    """Return a predicate that matches elements with one of ``tags``."""
    wanted = frozenset(tags)
    return lambda node: node.tag in wanted


def by_class(name: str, tag: str | None = None) -> Callable[[Node], bool]:
    """Return a predicate that matches elements with class ``name`` (and ``tag``)."""
    return lambda node: name in node.classes and (tag is None or node.tag == tag)


def by_id(value: str) -> Callable[[Node], bool]:
    """Return a predicate that matches the element with id ``value``."""
    return lambda node: node.attrs.get("id") == value


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack: list[Node] = [self.root]
        self.skip_tag = ""  # the skipped element we are inside, if any
        self.skipping = 0  # how many of skip_tag are open

    def _close_implied(self, tag: str) -> None:
        if tag in _CLOSES_P:
            for index in range(len(self.stack) - 1, 0, -1):
                name = self.stack[index].tag
                if name == "p":
                    del self.stack[index:]
                    break
                if name not in ("b", "i", "em", "strong", "span", "a", "u", "s", "font"):
                    break
        closes = _CLOSES_SIBLING.get(tag)
        if closes:
            for index in range(len(self.stack) - 1, 0, -1):
                name = self.stack[index].tag
                if name in closes:
                    del self.stack[index:]
                    break
                if name in _SCOPE:
                    break

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            if tag == self.skip_tag:
                self.skipping += 1
            return
        if tag in SKIPPED_TAGS:
            self.skip_tag, self.skipping = tag, 1
            return
        self._close_implied(tag)
        node = Node(tag, {name.lower(): value or "" for name, value in attrs})
        if len(self.stack) >= MAX_DEPTH and tag not in VOID_TAGS:
            return  # too deep: its content goes into the element at the limit
        self.stack[-1].children.append(node)
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping or tag in SKIPPED_TAGS:
            return
        self._close_implied(tag)
        self.stack[-1].children.append(Node(tag, {name.lower(): v or "" for name, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skip_tag:
                self.skipping -= 1
            return
        # A stray end tag (no such open element) is ignored.
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if self.skipping or not data:
            return
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)


def parse_html(markup: str) -> Node:
    """Return the tree of an HTML or XHTML document (or fragment); never raises."""
    # Elements nested past the limit are dropped before parsing, not tag by tag in Python.
    markup = limit_nesting(markup, MAX_DEPTH)
    builder = _Builder()
    try:
        builder.feed(markup)
        builder.close()
    except AssertionError:
        # html.parser gives up (AssertionError: "expected name token") on a marked section
        # that names nothing, such as "<![><img ...": read every "<![" as text and try again.
        builder = _Builder()
        builder.feed(markup.replace("<![", "&lt;!["))
        builder.close()
    return builder.root


def _serialize(node: Node | str, out: list[str]) -> None:
    if isinstance(node, str):
        out.append(escape(node, quote=False))
        return
    attrs = "".join(f' {name}="{escape(value)}"' for name, value in node.attrs.items() if name)
    out.append(f"<{node.tag}{attrs}>")
    if node.tag in VOID_TAGS:
        return
    for child in node.children:
        _serialize(child, out)
    out.append(f"</{node.tag}>")


def outer_html(node: Node | str) -> str:
    """Return the HTML of a node (or escaped text)."""
    out: list[str] = []
    _serialize(node, out)
    return "".join(out)


def inner_html(node: Node) -> str:
    """Return the HTML of a node's children."""
    out: list[str] = []
    for child in node.children:
        _serialize(child, out)
    return "".join(out)


def _text(node: Node | str, out: list[str]) -> None:
    if isinstance(node, str):
        out.append(node.replace("\n", " "))  # a newline in markup is a space
    elif node.tag == "br":
        out.append("\n")
    else:
        for child in node.children:
            _text(child, out)


def raw_text(node: Node | str) -> str:
    """Return the text of a node with ``<br>`` as a newline (newlines in the markup are
    spaces, as a browser shows them)."""
    out: list[str] = []
    _text(node, out)
    return "".join(out)


def text_of(node: Node | str) -> str:
    """Return the text of a node on one line with single spaces."""
    return " ".join(raw_text(node).split())  # what re's \s+ collapsing gives, faster


def lines_of(node: Node | str) -> list[str]:
    """Return the non-blank lines of a node's text (``<br>`` splits lines)."""
    return [" ".join(line.split()) for line in raw_text(node).split("\n") if line.strip()]
