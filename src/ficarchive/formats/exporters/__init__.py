"""Exporters: pure functions from an :class:`ExportWork` to the bytes of a download file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ficarchive.formats.exporters.document import ExportChapter, ExportWork
from ficarchive.formats.exporters.epub import export_epub
from ficarchive.formats.exporters.html import export_html
from ficarchive.formats.exporters.pdf import export_pdf, pdf_available
from ficarchive.formats.exporters.txt import export_txt


@dataclass(frozen=True)
class ExportFormat:
    name: str  # as in URLs and the CLI: "epub"
    label: str  # as in links: "EPUB"
    extension: str
    content_type: str
    export: Callable[[ExportWork], bytes]


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in [
        ExportFormat("epub", "EPUB", "epub", "application/epub+zip", export_epub),
        ExportFormat("html", "HTML", "html", "text/html; charset=utf-8", export_html),
        ExportFormat("txt", "TXT", "txt", "text/plain; charset=utf-8", export_txt),
    ]
}
# PDF needs the typst package (a dependency): offered only where it is installed.
if pdf_available():
    FORMATS["pdf"] = ExportFormat("pdf", "PDF", "pdf", "application/pdf", export_pdf)

__all__ = [
    "FORMATS",
    "ExportChapter",
    "ExportFormat",
    "ExportWork",
    "export_epub",
    "export_html",
    "export_pdf",
    "export_txt",
]
