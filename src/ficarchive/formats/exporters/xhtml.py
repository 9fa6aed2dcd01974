"""Turn sanitized HTML fragments into XHTML that an EPUB reader (and epubcheck) accepts.

Stored HTML is well-formed for an HTML parser but not XML (``<br>``, ``&nbsp;``, ``reversed``
without a value) and not always valid by the HTML content model (the HTML parser lets a
``<p>`` sit inside an ``<em>``, an ``<li>`` outside any list, text inside a ``<ul>``). This
module parses the fragment with the standard library into a small tree, repairs the content
model the way a reader would see it (a block inside a line becomes a ``<span>``, stray list
items and table cells become ``<div>``\\ s, loose content in a list or table is wrapped in
the element it needs), and serializes it as XML. Remote images are not allowed inside an EPUB,
so an image becomes a link to it. No Django imports: pure and fast to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

from ficarchive.text.align import keep_alignment_classes

VOID_TAGS: frozenset[str] = frozenset({"br", "hr", "img", "col", "wbr"})
PHRASING_TAGS: frozenset[str] = frozenset(
    {"a", "em", "strong", "i", "b", "u", "s", "sup", "sub", "span", "code", "br", "img", "ruby",
     "wbr", "small", "mark", "q", "cite", "abbr"}
)  # fmt: skip
# Elements whose content must be phrasing (inline) content.
PHRASING_CONTENT_TAGS: frozenset[str] = PHRASING_TAGS | {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "summary", "rt", "rp",
}  # fmt: skip
FLOW_TAGS: frozenset[str] = frozenset(
    {"p", "div", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "ul", "ol", "hr",
     "table", "details"}
)  # fmt: skip
HEADINGS: frozenset[str] = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
TABLE_SECTIONS: frozenset[str] = frozenset({"thead", "tbody", "tfoot"})
TABLE_PARTS: frozenset[str] = TABLE_SECTIONS | {"tr", "td", "th", "caption"}

# Characters XML 1.0 forbids (controls other than tab, newline, return; surrogates; U+FFFE/F).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"[ \t\n\r\f]*")
_URL_TABS = re.compile("[\t\n\r]+")
_URL_END_JUNK = "".join(chr(c) for c in range(0x21)) + "\x7f"
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URL_SAFE = "!$%&'()*+,-./:;=?@_~"
_NUMBER = re.compile(r"[0-9]{1,5}")
_ID = re.compile(r"p[1-9][0-9]{0,6}")
_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}")


def xml_text(value: str) -> str:
    """Return ``value`` escaped for XML text, with characters XML cannot hold removed."""
    value = _XML_INVALID.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attribute(value: str) -> str:
    """Return ``value`` escaped for a double-quoted XML attribute."""
    return (
        xml_text(value)
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)


# Elements nested deeper than this are not opened: their content goes into the element at the
# limit, so that the recursive passes below never reach Python's recursion limit (a pasted
# chapter can nest hundreds of <b> deep).
MAX_DEPTH = 100


class _TreeBuilder(HTMLParser):
    """Build a _Node tree; end tags close up to their element, stray end tags are ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root")
        self.stack: list[_Node] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(self.stack) >= MAX_DEPTH and tag not in VOID_TAGS:
            return  # too deep: its content goes into the element at the limit
        node = _Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def parse_html_declaration(self, i: int) -> int:
        # Python 3.11's parser fails an assertion on some "<![": skip to the next ">".
        if self.rawdata.startswith("<![", i):
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1
        return super().parse_html_declaration(i)

    def handle_data(self, data: str) -> None:
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)


@dataclass(frozen=True)
class _Context:
    kind: str = "flow"  # flow | phrasing
    in_link: bool = False
    no_headings: bool = False  # inside <th>
    in_ruby: bool = False


def _blank(item: _Node | str) -> bool:
    return isinstance(item, str) and not item.strip(" \t\n\r\f")


def _quote(part: str) -> str:
    return _LONE_PERCENT.sub("%25", quote(part, safe=_URL_SAFE))


def safe_href(value: str) -> str | None:
    """Return ``value`` as a valid absolute http(s) or mailto URL, or None if it cannot be.

    Spaces and non-ASCII characters are percent-encoded, an international domain name is
    written in its ASCII (IDNA) form; user names in links and odd hosts are refused."""
    # As a browser reads it: spaces and controls at the ends and tabs and newlines inside go.
    url = _URL_TABS.sub("", value.strip(_URL_END_JUNK))
    if url.lower().startswith("mailto:"):
        return "mailto:" + _quote(url[7:]) if len(url) > 7 else None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme.lower() not in {"http", "https"} or "@" in parts.netloc or not host:
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if len(host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return None
    address = f"{parts.scheme.lower()}://{host}{f':{port}' if port is not None else ''}"
    address += _quote(parts.path)
    if parts.query:
        address += "?" + _quote(parts.query)
    if parts.fragment:
        address += "#" + _quote(parts.fragment).replace("#", "%23")
    return address


def _number(value: str, low: int, high: int) -> str | None:
    value = value.strip()
    if _NUMBER.fullmatch(value) and low <= int(value) <= high:
        return str(int(value))
    return None


def _attributes(tag: str, attrs: dict[str, str], parent: str) -> dict[str, str]:
    """Return the attributes valid on ``tag`` (in ``parent``), normalized for XHTML."""
    kept: dict[str, str] = {}
    for name, value in attrs.items():
        result: str | None = None
        if name == "title":
            result = value
        elif name == "lang":
            result = value if _LANG.fullmatch(value) else None
        elif name == "dir":
            result = value if value in {"ltr", "rtl", "auto"} else None
        elif name == "id":
            result = value if _ID.fullmatch(value) else None
        elif name == "href" and tag == "a":
            result = safe_href(value)
        elif name == "start" and tag == "ol":
            result = _number(value, 0, 99999)
        elif name == "reversed" and tag == "ol":
            result = "reversed"
        elif name == "value" and tag == "li" and parent == "ol":
            result = _number(value, 0, 99999)
        elif name == "colspan" and tag in {"td", "th"}:
            result = _number(value, 1, 1000)
        elif name == "rowspan" and tag in {"td", "th"}:
            result = _number(value, 0, 65534)
        elif name == "scope" and tag == "th":
            result = value if value in {"row", "col", "rowgroup", "colgroup"} else None
        elif name == "span" and tag in {"col", "colgroup"}:
            result = _number(value, 1, 1000)
        elif name == "open" and tag == "details":
            result = "open"
        elif name == "class":
            result = keep_alignment_classes(value)  # the writer's alignment (text/align.py)
        if result is not None:
            kept[name] = result
    return kept


def _element(tag: str, attrs: dict[str, str], children: list[_Node | str], parent: str) -> _Node:
    return _Node(tag, _attributes(tag, attrs, parent), children)


# E-readers cannot fetch remote images, so an image is written as a link to it, labelled with
# its description. The class lets the importer turn it back into the image (so the label never
# becomes words of the story on a round trip).
IMAGE_CLASS = "ficarchive-image"


def _image(node: _Node, context: _Context) -> list[_Node | str]:
    alt = node.attrs.get("alt", "").strip()
    label = f"[image: {alt}]" if alt else "[image]"
    href = safe_href(node.attrs.get("src", ""))
    if href is None or context.in_link:
        return [_Node("span", {"class": IMAGE_CLASS}, [label])]
    return [_Node("a", {"href": href, "class": IMAGE_CLASS}, [label])]


def _wrap_runs(items: list[_Node | str], keep: frozenset[str], wrapper: str) -> list[_Node | str]:
    """Return ``items`` with each run of elements not in ``keep`` (and of non-blank text)
    wrapped in a new ``wrapper`` element; blank text between kept elements is dropped."""
    result: list[_Node | str] = []
    run: list[_Node | str] = []
    for item in items:
        if isinstance(item, _Node) and item.tag in keep:
            if run and not all(_blank(x) for x in run):
                result.append(_Node(wrapper, {}, run))
            run = []
            result.append(item)
        else:
            run.append(item)
    if run and not all(_blank(x) for x in run):
        result.append(_Node(wrapper, {}, run))
    return result


def _fix_children(node: _Node, context: _Context) -> list[_Node | str]:
    fixed: list[_Node | str] = []
    for child in node.children:
        if isinstance(child, str):
            fixed.append(child)
        else:
            fixed.extend(_fix(child, context, node.tag))
    return fixed


def _fix_list(node: _Node, context: _Context) -> list[_Node | str]:
    items: list[_Node | str] = []
    for child in node.children:
        if isinstance(child, _Node) and child.tag == "li":
            inner = _fix_children(child, replace(context, kind="flow"))
            items.append(_element("li", child.attrs, inner, node.tag))
        elif isinstance(child, str):
            items.append(child)
        else:
            items.extend(_fix(child, replace(context, kind="flow"), "li"))
    wrapped = _wrap_runs(items, frozenset({"li"}), "li")
    return [_element(node.tag, node.attrs, wrapped, "")]


def _cell_children(child: _Node, context: _Context) -> list[_Node | str]:
    inner = replace(context, kind="flow", no_headings=context.no_headings or child.tag == "th")
    return _fix_children(child, inner)


def _fix_row(node: _Node, context: _Context) -> _Node:
    cells: list[_Node | str] = []
    for child in node.children:
        if isinstance(child, _Node) and child.tag in {"td", "th"}:
            cells.append(_element(child.tag, child.attrs, _cell_children(child, context), "tr"))
        elif isinstance(child, str):
            cells.append(child)
        else:
            cells.extend(_fix(child, replace(context, kind="flow"), "td"))
    return _element("tr", node.attrs, _wrap_runs(cells, frozenset({"td", "th"}), "td"), "")


def _fix_section(node: _Node, context: _Context, tag: str) -> _Node:
    rows: list[_Node | str] = []
    for child in node.children:
        if isinstance(child, _Node) and child.tag == "tr":
            rows.append(_fix_row(child, context))
        elif isinstance(child, _Node) and child.tag in {"td", "th"}:
            rows.append(_fix_row(_Node("tr", {}, [child]), context))
        elif isinstance(child, str):
            rows.append(child)
        else:
            rows.extend(_fix(child, replace(context, kind="flow"), "td"))
    runs = _wrap_runs(rows, frozenset({"tr"}), "td")
    fixed = [x if isinstance(x, _Node) and x.tag == "tr" else _Node("tr", {}, [x]) for x in runs]
    return _element(tag, node.attrs, list(fixed), "")


def _fix_table(node: _Node, context: _Context) -> list[_Node | str]:
    caption: _Node | None = None
    colgroups: list[_Node | str] = []
    head: _Node | None = None
    foot: _Node | None = None
    bodies: list[_Node | str] = []
    loose: list[_Node | str] = []  # rows and other content outside a section
    for child in node.children:
        if isinstance(child, str):
            if not _blank(child):
                loose.append(child)
            continue
        if child.tag == "caption" and caption is None and not (colgroups or head or bodies):
            inner = _fix_children(child, replace(context, kind="flow"))
            caption = _element("caption", child.attrs, inner, "table")
        elif child.tag in {"colgroup", "col"} and not (head or bodies or loose):
            cols = child.children if child.tag == "colgroup" else [child]
            kept = [
                _element("col", c.attrs, [], "")
                for c in cols
                if isinstance(c, _Node) and c.tag == "col"
            ]
            attrs = child.attrs if child.tag == "colgroup" and not kept else {}
            colgroups.append(_element("colgroup", attrs, list(kept), "table"))
        elif child.tag == "thead" and head is None and not bodies and not loose:
            head = _fix_section(child, context, "thead")
        elif child.tag == "tfoot" and foot is None:
            foot = _fix_section(child, context, "tfoot")
        elif child.tag in TABLE_SECTIONS:
            if loose:
                bodies.append(_fix_section(_Node("tbody", {}, loose), context, "tbody"))
                loose = []
            bodies.append(_fix_section(child, context, "tbody"))
        else:
            loose.append(child)
    if loose:
        bodies.append(_fix_section(_Node("tbody", {}, loose), context, "tbody"))
    parts: list[_Node | str] = [caption] if caption else []
    parts += colgroups
    parts += [head] if head else []
    parts += bodies
    parts += [foot] if foot else []
    return [_element("table", node.attrs, parts, "")]


def _fix_details(node: _Node, context: _Context) -> list[_Node | str]:
    first = next((c for c in node.children if not _blank(c)), None)
    if not (isinstance(first, _Node) and first.tag == "summary"):
        return [_element("div", node.attrs, _fix_children(node, context), "")]
    rest = node.children[node.children.index(first) + 1 :]
    summary_children = _fix_children(first, replace(context, kind="phrasing"))
    inner: list[_Node | str] = [_element("summary", first.attrs, summary_children, "details")]
    inner += _fix_children(_Node("div", {}, rest), replace(context, kind="flow"))
    return [_element("details", node.attrs, inner, "")]


def _fix_ruby(node: _Node, context: _Context) -> list[_Node | str]:
    inner = replace(context, kind="phrasing", in_ruby=True)
    children = [c for c in node.children if not (isinstance(c, _Node) and c.tag == "rp")]
    first = next((c for c in children if not _blank(c)), None)
    has_rt = any(isinstance(c, _Node) and c.tag == "rt" for c in children)
    if context.in_ruby or not has_rt or (isinstance(first, _Node) and first.tag == "rt"):
        plain = replace(context, kind="phrasing")
        return [_element("span", node.attrs, _fix_children(_Node("span", {}, children), plain), "")]
    fixed: list[_Node | str] = []
    for child in children:
        if isinstance(child, _Node) and child.tag == "rt":
            rt_children = _fix_children(child, replace(context, kind="phrasing"))
            fixed.append(_element("rt", child.attrs, rt_children, "ruby"))
        elif isinstance(child, str):
            fixed.append(child)
        else:
            fixed.extend(_fix(child, inner, "ruby"))
    # A ruby ends with its last annotation: anything after it follows the ruby.
    last = max(i for i, c in enumerate(fixed) if isinstance(c, _Node) and c.tag == "rt")
    return [_element("ruby", node.attrs, fixed[: last + 1], ""), *fixed[last + 1 :]]


def _fix(node: _Node, context: _Context, parent: str) -> list[_Node | str]:
    """Return what ``node`` becomes in ``context`` (zero, one or more nodes)."""
    tag = node.tag
    phrasing = context.kind == "phrasing"
    if tag == "img":
        return _image(node, context)
    if tag in {"br", "wbr"}:
        return [_Node(tag)]
    if tag == "hr":
        return [_Node("br")] if phrasing else [_Node("hr")]
    if tag in {"col", "colgroup"}:
        return []
    if tag == "a":
        inner = replace(context, in_link=True)
        if context.in_link:
            return [_element("span", node.attrs, _fix_children(node, inner), parent)]
        return [_element("a", node.attrs, _fix_children(node, inner), parent)]
    if tag == "ruby":
        return _fix_ruby(node, context)
    if tag in {"rt", "rp"}:
        return [_element("span", node.attrs, _fix_children(node, context), parent)]
    if tag in PHRASING_TAGS:
        inner = replace(context, kind="phrasing")
        return [_element(tag, node.attrs, _fix_children(node, inner), parent)]
    if phrasing or tag not in FLOW_TAGS:
        # A block where only a line may be (or a table part, list item or summary out of
        # place): keep its text as a span in a line, as a div in a block.
        kind = "span" if phrasing else "div"
        return [_element(kind, node.attrs, _fix_children(node, context), parent)]
    if tag in HEADINGS and context.no_headings:
        tag = "p"
    if tag in {"ul", "ol"}:
        return _fix_list(node, context)
    if tag == "table":
        return _fix_table(node, context)
    if tag == "details":
        if context.in_link:
            return [_element("div", node.attrs, _fix_children(node, context), parent)]
        return _fix_details(node, context)
    kind = "phrasing" if tag in PHRASING_CONTENT_TAGS else "flow"
    return [_element(tag, node.attrs, _fix_children(node, replace(context, kind=kind)), parent)]


def _serialize(items: list[_Node | str], out: list[str]) -> None:
    for item in items:
        if isinstance(item, str):
            out.append(xml_text(item))
            continue
        attrs = "".join(f' {name}="{xml_attribute(value)}"' for name, value in item.attrs.items())
        if item.tag in VOID_TAGS:
            out.append(f"<{item.tag}{attrs}/>")
            continue
        out.append(f"<{item.tag}{attrs}>")
        _serialize(item.children, out)
        out.append(f"</{item.tag}>")


# The repaired tree, for other writers than XHTML (the PDF's Typst markup).
HtmlNode = _Node


def fragment_tree(markup: str, *, inline: bool = False) -> list[_Node | str]:
    """Return the HTML fragment ``markup`` parsed and repaired (see the module doc) as a list
    of nodes and strings: what :func:`fragment_to_xhtml` serializes. Attributes are the
    valid ones only (links absolute http, https or mailto; alignment classes)."""
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    context = _Context(kind="phrasing" if inline else "flow")
    return _fix_children(builder.root, context)


def fragment_to_xhtml(markup: str, *, inline: bool = False) -> str:
    """Return the HTML fragment ``markup`` as well-formed, content-model-valid XHTML.

    The result is meant for a flow container such as ``<div>`` or ``<blockquote>``, or, with
    ``inline=True``, for a line such as ``<p>`` or ``<h1>``."""
    out: list[str] = []
    _serialize(fragment_tree(markup, inline=inline), out)
    return "".join(out)
