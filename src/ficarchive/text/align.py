"""Keep the writer's alignment: turn it into the archive's own alignment classes.

Writers centre a title line or a poem, right-align a letter's signature, justify their
prose: ``<p align="center">`` (what AO3's editor and downloads write), ``<center>``, and
``style="text-align: right"`` (word processors, EPUB). The site's Content Security Policy
forbids inline styles and the sanitizer drops ``style`` and ``align``, so before sanitizing
this module rewrites them to ``class="align-center"`` (``align-right``, ``align-justify``),
the only classes the sanitizer keeps (see :data:`ALIGN_CLASSES`), which the site's CSS and
the exporters style.

Pure functions, no Django. The input is raw, untrusted HTML: the rewrite only adds a class
attribute to start tags it recognises and renames ``center`` to ``div``; everything it
produces still goes through the sanitizer.
"""

from __future__ import annotations

import html
import re

# The alignments kept, by the value writers use ("left" and "start" are the default).
_ALIGNMENTS = {"center": "center", "middle": "center", "right": "right", "justify": "justify"}
ALIGN_CLASSES: frozenset[str] = frozenset(f"align-{value}" for value in _ALIGNMENTS.values())

# Blocks whose alignment is kept.
ALIGNABLE_TAGS: frozenset[str] = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "td", "th", "caption"}
)

# A comment, or a start or end tag with its attributes (quoted values may hold ">").
_TAG = re.compile(
    r"<!--.*?(?:-->|$)"
    r"|<(?P<end>/?)(?P<name>[A-Za-z][A-Za-z0-9]*)"
    r"(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.DOTALL,
)
_ATTRIBUTE = re.compile(
    r"(?P<name>[^\s\"'>/=]+)(?:\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+)))?"
)
_TEXT_ALIGN = re.compile(r"(?:^|;)\s*text-align\s*:\s*([a-z-]+)", re.IGNORECASE)


def _attributes(source: str) -> dict[str, str]:
    """Return the attributes of a tag, the first of each name winning (as in browsers)."""
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(source):
        name = match["name"].lower()
        value = match["dq"] if match["dq"] is not None else match["sq"] or match["bare"] or ""
        found.setdefault(name, html.unescape(value))
    return found


def alignment_class(attributes: dict[str, str]) -> str:
    """Return the alignment class for a block's attributes ("" when it has none kept):
    ``style="text-align: ..."`` wins over ``align="..."``, as in browsers."""
    declared = _TEXT_ALIGN.findall(attributes.get("style", ""))
    if declared:  # the last declaration wins, as in CSS
        value = _ALIGNMENTS.get(declared[-1].lower())
        return f"align-{value}" if value else ""
    value = _ALIGNMENTS.get(attributes.get("align", "").strip().lower())
    return f"align-{value}" if value else ""


def keep_alignment_classes(value: str) -> str | None:
    """Return the alignment classes in a ``class`` attribute's value (None for none), for
    the sanitizer's attribute filter."""
    kept = [name for name in dict.fromkeys(value.split()) if name in ALIGN_CLASSES]
    return " ".join(kept) if kept else None


def _rewrite(match: re.Match[str]) -> str:
    name = match["name"]
    if name is None:
        return match.group(0)  # a comment
    lower = name.lower()
    if lower == "center":
        # <center> is a centred block: a div with the class (its attributes go).
        return "</div>" if match["end"] else '<div class="align-center">'
    if match["end"] or lower not in ALIGNABLE_TAGS:
        return match.group(0)
    attributes = _attributes(match["attrs"])
    wanted = alignment_class(attributes)
    if not wanted:
        return match.group(0)
    classes = keep_alignment_classes(attributes.get("class", "")) or ""
    # The first attribute of a name wins, so the class written first replaces the writer's.
    merged = " ".join(dict.fromkeys([*classes.split(), wanted]))
    return f'<{name} class="{merged}"{match["attrs"]}>'


def alignment_to_classes(markup: str) -> str:
    """Return ``markup`` with the writer's alignment (``align``, ``text-align`` in ``style``,
    ``<center>``) written as alignment classes on the same blocks. Left (or start)
    alignment is the default and is not written."""
    lowered = markup.lower()  # faster than a case-insensitive search on long chapters
    if "align" not in lowered and "<center" not in lowered:
        return markup
    return _TAG.sub(_rewrite, markup)
