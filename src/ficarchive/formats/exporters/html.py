"""A single self-contained HTML file: the preface, a contents list, every chapter, end notes.

Its one stylesheet is inline (the file is opened from disk, not served as a site page), it
holds no script, and a Content-Security-Policy meta element forbids scripts anyway, should a
future change ever let one in. Chapter HTML is the stored, sanitized HTML."""

from __future__ import annotations

from html import escape

from ficarchive.formats.exporters.document import ExportChapter, ExportWork, preface_parts
from ficarchive.text import remove_paragraph_ids

STYLESHEET = """\
body { max-width: 40em; margin: 0 auto; padding: 1em; font-family: serif; line-height: 1.6; }
h1, h2, h3 { line-height: 1.2; }
.byline { font-style: italic; }
.draft-notice { border: 2px solid; padding: 0.5em; font-weight: bold; }
dl.work-meta dt { font-weight: bold; }
dl.work-meta dd { margin: 0 0 0.5em 1.5em; }
blockquote { margin: 0.5em 1.5em; }
.chapter { border-top: 1px solid #999; margin-top: 2em; }
.origin { font-size: 0.9em; color: #555; }
img { max-width: 100%; height: auto; }
.align-center { text-align: center; }
.align-right { text-align: right; }
.align-justify { text-align: justify; }
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src http: https:"


def _block(label: str, html: str, css_class: str, level: int = 2) -> str:
    if not html.strip():
        return ""
    return (
        f'<section class="{css_class}">\n<h{level}>{escape(label)}</h{level}>\n'
        f"<blockquote>{html}</blockquote>\n</section>\n"
    )


def _chapter(chapter: ExportChapter) -> str:
    return (
        f'<section class="chapter" id="chapter-{chapter.number}">\n'
        f"<h2>{escape(chapter.heading)}</h2>\n"
        + _block("Summary", chapter.summary_html, "summary", 3)
        + _block("Notes", chapter.notes_html, "notes", 3)
        + f'<div class="chapter-text">\n{remove_paragraph_ids(chapter.html)}\n</div>\n'
        + _block("End notes", chapter.end_notes_html, "end-notes", 3)
        + "</section>\n"
    )


def export_html(work: ExportWork) -> bytes:
    """Return the work as one UTF-8 HTML document."""
    parts = [
        "<!DOCTYPE html>\n",
        f'<html lang="{escape(work.language_tag)}">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{escape(work.title)}</title>\n",
        f"<style>\n{STYLESHEET}</style>\n</head>\n<body>\n",
    ]
    preface = preface_parts(work, escape, _block)
    # The draft notice stands before the preface header, as it always has.
    if work.draft_notice():
        parts.append(preface.pop(0))
    parts += ['<header class="preface">\n', *preface, "</header>\n"]
    if len(work.chapters) > 1:
        links = "".join(
            f'<li><a href="#chapter-{c.number}">{escape(c.heading)}</a></li>\n'
            for c in work.chapters
        )
        parts.append(f'<nav class="contents">\n<h2>Contents</h2>\n<ol>\n{links}</ol>\n</nav>\n')
    parts += [_chapter(chapter) for chapter in work.chapters]
    if work.end_notes_html.strip():
        parts.append(_block("End notes", work.end_notes_html, "work-end-notes"))
    parts.append(f'<p class="origin">{work.origin_html(escape)}</p>\n</body>\n</html>\n')
    return "".join(parts).encode("utf-8")
