"""docs/benchmarks.md is written by several benchmarks: bench/run.py owns its head, bench/load.py
the "Load" section after it, and the others (bench/pages.py, …) each own a section between the
markers ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` at the end of the page, which every
writer keeps as it is."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "benchmarks.md"
FIRST_MARKER = "<!-- bench:"


def marked_sections(text: str) -> str:
    """Return the page's marked sections (from the first marker to the end), or ""."""
    start = text.find(FIRST_MARKER)
    return text[start:] if start >= 0 else ""


def without_marked_sections(text: str) -> str:
    start = text.find(FIRST_MARKER)
    return text[:start].rstrip("\n") + "\n" if start >= 0 else text


def write_section(name: str, body: str) -> None:
    """Put ``body`` (markdown, starting with its own heading) in the page's section ``name``,
    in place of the old one, or at the end when the page has none yet."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = REPORT.read_text() if REPORT.exists() else "# Benchmarks\n"
    block = f"{begin}\n{body.strip()}\n{end}"
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    REPORT.write_text(text)
