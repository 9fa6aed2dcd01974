"""Plain text: the preface, then each chapter with its notes, then the work's end notes."""

from __future__ import annotations

from ficarchive.formats.exporters.document import ExportChapter, ExportWork
from ficarchive.text import html_to_text

RULE = "=" * 40


def _text(html: str) -> str:
    return html_to_text(html, sanitized=True).strip() if html.strip() else ""


def _labelled(label: str, html: str) -> list[str]:
    text = _text(html)
    return [f"{label}:", "", text, ""] if text else []


def _chapter(chapter: ExportChapter) -> list[str]:
    lines = [RULE, chapter.heading, RULE, ""]
    lines += _labelled("Summary", chapter.summary_html)
    lines += _labelled("Notes", chapter.notes_html)
    lines += [_text(chapter.html), ""]
    lines += _labelled("End notes", chapter.end_notes_html)
    return lines


def export_txt(work: ExportWork) -> bytes:
    """Return the work as UTF-8 plain text with "\\n" line endings."""
    lines: list[str] = []
    notice = work.draft_notice()
    if notice:
        lines += [f"*** {notice} ***", ""]
    lines.append(work.title)
    if work.creators:
        lines.append(f"by {', '.join(work.creators)}")
    if work.recipients:
        lines.append(f"For {', '.join(work.recipients)}")
    lines.append("")
    lines += [f"{label}: {', '.join(values)}" for label, values in work.metadata_rows()]
    lines += [work.stats_line(), ""]
    lines += _labelled("Summary", work.summary_html)
    lines += _labelled("Notes", work.notes_html)
    for chapter in work.chapters:
        lines += _chapter(chapter)
    if _text(work.end_notes_html):
        lines += [RULE, "End notes", RULE, "", _text(work.end_notes_html), ""]
    lines += [RULE, work.origin_line(), ""]
    return "\n".join(lines).encode("utf-8")
