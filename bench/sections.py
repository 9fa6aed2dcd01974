"""Sections of docs/benchmarks.md that one benchmark owns, between `<!-- bench:NAME -->` and
`<!-- /bench:NAME -->` (bench/downloads.py's, for one): a benchmark that rewrites the page
keeps the others' sections."""

from __future__ import annotations

import re

SECTION = re.compile(r"<!-- bench:([\w-]+) -->.*?<!-- /bench:\1 -->", re.DOTALL)


def with_marked_sections(old: str, new: str) -> str:
    """Return the page ``new`` with the marked sections of ``old`` that it lacks appended."""
    missing = [
        m.group(0) for m in SECTION.finditer(old) if f"<!-- bench:{m.group(1)} -->" not in new
    ]
    if not missing:
        return new
    return new.rstrip("\n") + "\n\n" + "\n\n".join(missing) + "\n"
