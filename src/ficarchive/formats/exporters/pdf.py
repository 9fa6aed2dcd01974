"""PDF: the single-file HTML export laid out by WeasyPrint (Pango and HarfBuzz shape every
script; fontconfig picks a font for each character, so CJK needs a CJK font installed, such
as Debian's fonts-noto-cjk, and emoji fonts-noto-color-emoji).

WeasyPrint needs the system's Pango library. When it cannot be loaded, :func:`pdf_available`
says so and the PDF format is simply not offered; nothing else depends on it. The renderer is
never allowed to fetch anything: remote images in a work are left out of the PDF.
"""

from __future__ import annotations

import ctypes.util
import functools
import importlib.util
import logging
import os
from typing import Any, NoReturn

from ficarchive.formats.exporters.document import ExportWork
from ficarchive.formats.exporters.html import export_html

PRINT_STYLESHEET = """
@page { size: A5; margin: 18mm 15mm; @bottom-center { content: counter(page); font-size: 9pt; } }
body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt;
       font-family: "DejaVu Serif", "Noto Serif", "Noto Serif CJK JP", "Noto Sans CJK JP",
       "Noto Color Emoji", serif; }
.chapter { break-before: page; border-top: none; }
a { color: inherit; }
"""


@functools.cache
def pdf_available() -> bool:
    """Return True when WeasyPrint is installed and the Pango libraries it loads are there.

    Checked without importing WeasyPrint, which takes a second or two: every command and
    process start would pay for it."""
    if importlib.util.find_spec("weasyprint") is None:
        return False
    return all(ctypes.util.find_library(name) for name in ("pango-1.0", "pangoft2-1.0"))


def export_pdf(work: ExportWork) -> bytes:
    """Return the work as a PDF file (A5 pages, one chapter per page break)."""
    # WeasyPrint reports each step (from import on) at INFO level: not news for a server log.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    import weasyprint
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> NoReturn:
            raise ValueError(f"the PDF export fetches nothing ({url[:60]})")

    # fontTools stamps each embedded font subset with the time unless SOURCE_DATE_EPOCH (the
    # reproducible-builds convention) fixes it: fix it, so a work always gives the same bytes.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "315532800")
    fetcher = NoFetching()
    html = export_html(work).decode("utf-8")
    document = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url="about:blank")
    stylesheet = weasyprint.CSS(string=PRINT_STYLESHEET, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[stylesheet])
    return pdf
