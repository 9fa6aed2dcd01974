"""docs/benchmarks.md is written by several benchmarks: bench/run.py owns its head, bench/load.py
the "Load" section after it, and the others (bench/pages.py, bench/downloads.py, …) each own a
section between the markers ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``, which every
writer keeps as it is."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "benchmarks.md"
SECTION = re.compile(r"<!-- bench:([\w-]+) -->.*?<!-- /bench:\1 -->", re.DOTALL)


def with_marked_sections(old: str, new: str) -> str:
    """Return the page ``new`` with the marked sections of ``old`` that it lacks appended."""
    missing = [
        m.group(0) for m in SECTION.finditer(old) if f"<!-- bench:{m.group(1)} -->" not in new
    ]
    if not missing:
        return new
    return new.rstrip("\n") + "\n\n" + "\n\n".join(missing) + "\n"


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
