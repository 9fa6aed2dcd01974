"""Typst markup from sanitized HTML and plain text, for the PDF exporter (pure, no Django).

The HTML is parsed and repaired by :mod:`xhtml` (a block inside a line is a span there, lists
hold only items, tables only rows and cells), then written as Typst markup: text with every
character Typst gives a meaning escaped, elements as calls of Typst's own functions
(``#emph[...]``, ``#link("...")[...]``, ``#list(...)``). Every embedded call ends with ``;``
so that text after it can never continue the expression. Nothing in a work can reach Typst
code: text is escaped, and the only strings written into code (link addresses, preformatted
text) go through :func:`string`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ficarchive.formats.exporters.xhtml import FLOW_TAGS, HtmlNode, fragment_tree

# Characters with a meaning in Typst markup (markup, math, code, labels, references, comments,
# smart quotes, dashes, ellipses, line-start lists and headings, non-breaking space, URLs).
_SPECIAL = re.compile(r"""([\\#$*_`<>@\[\]=\-+/~'":.;])""")
_SPACE = re.compile(r"\s+")
# Text Typst cannot hold as source (lone surrogates) or would read as a line end.
_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HEADING_SIZES = {"h1": "1.4em", "h2": "1.25em", "h3": "1.15em", "h4": "1.05em"}
ALIGNMENTS = {"align-center": "center", "align-right": "right"}
# A table wider than this is cut to it (a pasted spreadsheet must not make columns of a hair).
MAX_COLUMNS = 24


def text(value: str) -> str:
    """Return ``value`` as Typst markup that shows exactly that text on one line (runs of
    whitespace become one space)."""
    return _SPECIAL.sub(r"\\\1", _SPACE.sub(" ", _UNSAFE.sub("", value)))


def string(value: str) -> str:
    """Return ``value`` as a Typst string literal (quoted)."""
    escaped = (
        _UNSAFE.sub("", value)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _text_content(items: Sequence[HtmlNode | str]) -> str:
    parts: list[str] = []
    for item in items:
        if isinstance(item, str):
            parts.append(item)
        elif item.tag == "br":
            parts.append("\n")
        else:
            parts.append(_text_content(item.children))
    return "".join(parts)


def _is_block(item: HtmlNode | str) -> bool:
    return isinstance(item, HtmlNode) and item.tag in FLOW_TAGS


def _alignment(node: HtmlNode) -> str:
    classes = node.attrs.get("class", "").split()
    for name, where in ALIGNMENTS.items():
        if name in classes:
            return where
    return "justify" if "align-justify" in classes else ""


def _aligned(node: HtmlNode, body: str) -> str:
    where = _alignment(node)
    if where == "justify":
        return f"#par(justify: true)[{body}];"
    if where:
        return f"#align({where})[{body}];"
    return body


def inline(items: Sequence[HtmlNode | str]) -> str:
    """Return phrasing content as Typst markup for one paragraph (no paragraph breaks)."""
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(text(item))
            continue
        tag, inner = item.tag, item.children
        if tag in {"em", "i", "cite"}:
            out.append(f"#emph[{inline(inner)}];")
        elif tag in {"strong", "b"}:
            out.append(f"#strong[{inline(inner)}];")
        elif tag == "u":
            out.append(f"#underline[{inline(inner)}];")
        elif tag == "s":
            out.append(f"#strike[{inline(inner)}];")
        elif tag == "sup":
            out.append(f"#super[{inline(inner)}];")
        elif tag == "sub":
            out.append(f"#sub[{inline(inner)}];")
        elif tag == "code":
            out.append(f"#raw({string(_SPACE.sub(' ', _text_content(inner)))});")
        elif tag in {"br", "hr"}:
            out.append("#linebreak();")
        elif tag == "a" and "href" in item.attrs:
            out.append(f"#link({string(item.attrs['href'])})[{inline(inner)}];")
        elif tag == "rt":  # a ruby's reading: after its base, small, in parentheses
            out.append(f"#text(size: 0.6em)[({inline(inner)})];")
        else:  # span, ruby, a without an address, small, mark, q, abbr, ...
            out.append(inline(inner))
    return "".join(out)


def blocks(items: Sequence[HtmlNode | str]) -> str:
    """Return flow content as Typst markup: paragraphs and blocks separated by blank lines."""
    out: list[str] = []
    run: list[HtmlNode | str] = []

    def flush() -> None:
        line = inline(run).strip()
        if line:
            out.append(line)
        run.clear()

    for item in items:
        if not _is_block(item):
            run.append(item)
            continue
        flush()
        assert isinstance(item, HtmlNode)
        block = _block(item)
        if block:
            out.append(block)
    flush()
    return "\n\n".join(out)


def _block(node: HtmlNode) -> str:
    tag, inner = node.tag, node.children
    if tag == "p":
        body = inline(inner).strip()
        return _aligned(node, body) if body else ""
    if tag in HEADING_SIZES or tag in {"h5", "h6"}:
        size = HEADING_SIZES.get(tag, "1em")
        body = inline(inner).strip()
        heading = f'#block(sticky: true)[#text(weight: "bold", size: {size})[{body}];];'
        return _aligned(node, heading) if body else ""
    if tag == "hr":
        return "#align(center)[\\*#h(1.5em)\\*#h(1.5em)\\*];"
    if tag == "blockquote":
        return f"#pad(left: 1.5em)[{blocks(inner)}];"
    if tag == "pre":
        return f"#raw(block: true, {string(_text_content(inner))});"
    if tag in {"ul", "ol"}:
        return _list(node)
    if tag == "table":
        return _table(node)
    if tag == "details":
        summary = [c for c in inner if isinstance(c, HtmlNode) and c.tag == "summary"]
        rest = [c for c in inner if not (isinstance(c, HtmlNode) and c.tag == "summary")]
        head = f"#strong[{inline(summary[0].children)}];" if summary else ""
        return "\n\n".join(part for part in (head, blocks(rest)) if part)
    # div (and anything else that holds blocks)
    body = blocks(inner)
    return _aligned(node, body) if body else ""


def _list(node: HtmlNode) -> str:
    items = [c for c in node.children if isinstance(c, HtmlNode) and c.tag == "li"]
    if not items:
        return ""
    if node.tag == "ul":
        return "#list(" + ", ".join(f"[{blocks(li.children)}]" for li in items) + ");"
    reversed_ = "reversed" in node.attrs
    number = int(node.attrs.get("start", len(items) if reversed_ else 1))
    parts = []
    for li in items:
        if "value" in li.attrs:
            number = int(li.attrs["value"])
        parts.append(f"enum.item({number})[{blocks(li.children)}]")
        number += -1 if reversed_ else 1
    return "#enum(" + ", ".join(parts) + ");"


def _rows(node: HtmlNode) -> list[HtmlNode]:
    rows: list[HtmlNode] = []
    for child in node.children:
        if isinstance(child, HtmlNode):
            if child.tag == "tr":
                rows.append(child)
            elif child.tag in {"thead", "tbody", "tfoot"}:
                rows += [r for r in child.children if isinstance(r, HtmlNode) and r.tag == "tr"]
    return rows


def _table(node: HtmlNode) -> str:
    """Return a table as a Typst table: a row's cells in order (rowspans are left out, so
    every row is as wide as the table), short rows filled with empty cells, header cells
    bold, the caption above."""
    rows: list[list[tuple[HtmlNode, int]]] = []
    for tr in _rows(node):
        cells = [c for c in tr.children if isinstance(c, HtmlNode) and c.tag in {"td", "th"}]
        rows.append([(c, min(int(c.attrs.get("colspan", "1")), MAX_COLUMNS)) for c in cells])
    columns = min(MAX_COLUMNS, max((sum(span for _, span in row) for row in rows), default=0))
    captions = [c for c in node.children if isinstance(c, HtmlNode) and c.tag == "caption"]
    caption = blocks(captions[0].children) if captions else ""
    if columns == 0:
        return caption
    parts: list[str] = []
    for cells_of_row in rows:
        used = 0
        for cell, span in cells_of_row:
            span = min(span, columns - used)
            if span <= 0:
                break
            body = blocks(cell.children)
            if cell.tag == "th":
                body = f"#strong[{body}];" if body else ""
            parts.append(f"table.cell(colspan: {span})[{body}]" if span > 1 else f"[{body}]")
            used += span
        parts += ["[]"] * (columns - used)
    table = f"#table(columns: {columns}, inset: 4pt, " + ", ".join(parts) + ");"
    return f"{caption}\n\n{table}" if caption else table


def html_blocks(markup: str) -> str:
    """Return a stored HTML fragment (a chapter, a summary, notes) as Typst flow markup."""
    return blocks(fragment_tree(markup))
