"""PDF: the work typeset by Typst (the ``typst`` package from PyPI, a compiled wheel with no
system libraries to load): A5 pages numbered at the foot, the preface (title, creators, tags,
stats, summary, notes), a table of contents, each chapter from a new page, the end notes.

Typst shapes every script with its own text engine and picks a font for each character from
the families in :func:`font_families` (then from any installed font that has the character):
CJK needs a CJK font installed, such as Debian's fonts-noto-cjk, and emoji
fonts-noto-color-emoji. A missing family is skipped (Typst only warns), and the Latin fonts
built into the wheel are always there, so a machine without those packages still makes the
PDF, with empty boxes for the characters no font has. Typst reads no file and fetches
nothing: the document is given as a string, and remote images are links in it (as in the
EPUB). Measured against WeasyPrint, the previous renderer, in bench/downloads.py.
"""

from __future__ import annotations

import functools
import importlib.util

from ficarchive.formats.exporters.document import ExportChapter, ExportWork
from ficarchive.formats.exporters.typesetting import html_blocks, string, text

PAGE_SETUP = """\
#set page(paper: "a5", margin: (x: 15mm, y: 18mm), numbering: "1", number-align: center)
#set text(size: 10.5pt, font: {fonts}, lang: {lang}{region})
#set par(leading: 0.6em, spacing: 0.9em)
#set document(title: {title}, author: ({authors}))
#show heading.where(level: 1): it => {{
  pagebreak(weak: true)
  v(1.5em)
  block(below: 1.5em, text(size: 15pt, it.body))
}}
#show link: set text(fill: black)
"""
# Families in the order Typst tries them, by language: Latin, Greek and Cyrillic first (Noto
# Serif from fonts-noto-core, DejaVu Serif from fonts-dejavu-core, Libertinus Serif built
# into Typst), then the CJK faces of fonts-noto-cjk (the language's own first, so that a
# Japanese work gets Japanese glyph forms), then emoji.
_LATIN = ["Noto Serif", "DejaVu Serif", "Libertinus Serif"]
_CJK = {"ja": "JP", "zh": "SC", "ko": "KR"}
_EMOJI = ["Noto Color Emoji"]


@functools.cache
def pdf_available() -> bool:
    """Return True when the typst package is installed (checked without importing it)."""
    return importlib.util.find_spec("typst") is not None


def font_families(language: str) -> list[str]:
    """Return the font families to ask Typst for, for a work in ``language`` (a BCP 47
    tag)."""
    first = _CJK.get(language.split("-")[0].lower(), "JP")
    order = [first] + [region for region in ("JP", "SC", "TC", "KR") if region != first]
    cjk = [f"Noto Serif CJK {region}" for region in order]
    cjk += [f"Noto Sans CJK {region}" for region in order]
    return _LATIN + cjk + _EMOJI


def _language(tag: str) -> tuple[str, str]:
    """Return Typst's ``lang`` and ``region`` settings for a BCP 47 tag ("" when none)."""
    parts = tag.split("-")
    lang = parts[0].lower() if parts[0].isascii() and parts[0].isalpha() else ""
    if lang == "und" or len(lang) not in (2, 3):
        lang = "en"
    region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), "")
    return lang, region


def _labelled(label: str, markup: str, *, heading: bool = False) -> str:
    """Return a note section: its label in bold, the note indented below it."""
    if not markup.strip():
        return ""
    body = html_blocks(markup)
    if not body:
        return ""
    title = f"#heading(level: 1)[{text(label)}];" if heading else f"#strong[{text(label)}];"
    return f"{title}\n\n#pad(left: 1.2em)[{body}];\n\n"


def _preface(work: ExportWork) -> str:
    parts = []
    notice = work.draft_notice()
    if notice:
        parts.append(f"#block(stroke: 1pt, inset: 6pt, width: 100%)[#strong[{text(notice)}];];")
    parts.append(f'#align(center)[#text(size: 20pt, weight: "bold")[{text(work.title)}];];')
    if work.creators:
        parts.append(f"#align(center)[#emph[by {text(', '.join(work.creators))}];];")
    if work.recipients:
        parts.append(f"#align(center)[For {text(', '.join(work.recipients))}];")
    rows = [*work.metadata_rows(), ("Stats", [work.stats_line()])]
    items = ", ".join(
        f"terms.item[{text(label)}][{text(', '.join(values))}]" for label, values in rows
    )
    parts.append(f"#terms(separator: [: ], {items});")
    body = "\n\n".join(parts) + "\n\n"
    return body + _labelled("Summary", work.summary_html) + _labelled("Notes", work.notes_html)


def _chapter(chapter: ExportChapter) -> str:
    return (
        f"#heading(level: 1)[{text(chapter.heading)}];\n\n"
        + _labelled("Summary", chapter.summary_html)
        + _labelled("Notes", chapter.notes_html)
        + html_blocks(chapter.html)
        + "\n\n"
        + _labelled("End notes", chapter.end_notes_html)
    )


def typst_source(work: ExportWork) -> str:
    """Return the whole work as one Typst document."""
    lang, region = _language(work.language_tag)
    fonts = "(" + ", ".join(string(f) for f in font_families(work.language_tag)) + ",)"
    setup = PAGE_SETUP.format(
        fonts=fonts,
        lang=string(lang),
        region=f", region: {string(region)}" if region else "",
        title=string(work.title),
        authors="".join(f"{string(name)}, " for name in work.creators),
    )
    parts = [setup, _preface(work)]
    if len(work.chapters) > 1:
        parts.append("#outline(title: [Contents], depth: 1)\n\n")
    parts += [_chapter(chapter) for chapter in work.chapters]
    parts.append(_labelled("End notes", work.end_notes_html, heading=True))
    link = f"#link({string(work.work_url)})[{text(work.work_url)}];" if work.site_url else ""
    origin = text(f"Work {work.work_id} on {work.site_name} (") + (link or text(work.work_url))
    parts.append(f"#v(2em)\n#text(size: 9pt)[{origin}\\)];\n")
    return "".join(parts)


def export_pdf(work: ExportWork) -> bytes:
    """Return the work as a PDF file (A5, numbered pages, contents, one chapter a page)."""
    import typst

    # The file's date is the work's last change, not the time of the build: the same work
    # always gives the same bytes.
    pdf: bytes = typst.compile(
        typst_source(work).encode("utf-8"), timestamp=int(work.modified.timestamp())
    )
    return pdf
