"""Highlighted snippets: the part of a work's text where the searched words are, as safe HTML.

Pure (no Django). The databases' own snippet functions were measured too slow on long works
for common words (FTS5's snippet() scores every hit against every other hit: 1.8 s for a page
of "the" over 500 demo works), so snippets are cut here from the start of the indexed text
with one regular-expression scan per work, on both databases alike.
"""

from __future__ import annotations

import html
import re

from ficarchive.search.query import SearchQuery

SCAN_CHARS = 100_000
BEFORE = 80
AFTER = 220
MAX_HITS = 200


# Between the words of a phrase: anything but letters and digits (as the tokenizers split).
_GAP = r"[\W_]+"


def _pattern(query: SearchQuery) -> re.Pattern[str] | None:
    """Return the pattern of what a snippet marks (`SearchQuery.highlights`): each phrase as
    its words with any separators between them, each word alone; longest first."""
    terms = sorted(
        {t.tokens for t in query.highlights()},
        key=lambda tokens: len(" ".join(tokens)),
        reverse=True,
    )
    if not terms:
        return None
    alternatives = "|".join(_GAP.join(re.escape(w) for w in tokens) for tokens in terms)
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])", re.IGNORECASE)


def _key(hit: re.Match[str]) -> str:
    """Return what a hit matched, the same for each spelling of a phrase's gaps and case."""
    return " ".join(re.findall(r"[^\W_]+", hit.group(0).casefold()))


def _covers_all(hits: list[re.Match[str]], index: int, wanted: int) -> bool:
    """True when the window that starts at ``hits[index]`` holds ``wanted`` different
    searched words (every one the query marks)."""
    seen = set()
    for other in hits[index:]:
        if other.start() - hits[index].start() > AFTER:
            break
        seen.add(_key(other))
    return len(seen) >= wanted


def _hits(pattern: re.Pattern[str], text: str, wanted: int) -> list[re.Match[str]]:
    """Return the hits of the text, up to ``MAX_HITS``, and no further than needed to choose
    the window: the scan stops once a window holds all ``wanted`` searched words (no later
    window can beat it, `_best_hit` takes the first best) and the hits after its start that
    it could hold are read. A single searched word or phrase stops at its first hit; long
    texts are not scanned to their end for common words."""
    hits: list[re.Match[str]] = []
    closed = 0  # hits before this index have every hit of their window read
    for hit in pattern.finditer(text):
        hits.append(hit)
        if len(hits) >= MAX_HITS or wanted <= 1:
            break
        while closed < len(hits) and hit.start() - hits[closed].start() > AFTER:
            if _covers_all(hits, closed, wanted):
                return hits
            closed += 1
    return hits


def _best_hit(hits: list[re.Match[str]]) -> re.Match[str]:
    """Return the hit that starts the window with the most different searched words."""
    best, best_score = hits[0], 0
    for index, hit in enumerate(hits):
        seen = {_key(hit)}
        for other in hits[index + 1 :]:
            if other.start() - hit.start() > AFTER:
                break
            seen.add(_key(other))
        if len(seen) > best_score:
            best, best_score = hit, len(seen)
    return best


def _cut(text: str, start: int, end: int) -> tuple[int, int]:
    # Move the edges to word boundaries so no word is cut in half.
    if start > 0:
        space = text.rfind(" ", max(0, start - 20), start)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.find(" ", end, end + 20)
        end = space if space >= 0 else end
    return start, end


def make_snippet(texts: list[str], query: SearchQuery) -> str:
    """Return HTML for a snippet of the first text (of ``texts``, in order of preference) where
    the query's words appear: the text escaped, the words in <mark>, "…" where cut. Returns ""
    when no text holds them (say a word only found accent-folded)."""
    pattern = _pattern(query)
    if pattern is None:
        return ""
    wanted = len({" ".join(t.tokens).casefold() for t in query.highlights()})
    for full in texts:
        text = full[:SCAN_CHARS]
        hits = _hits(pattern, text, wanted)
        if not hits:
            continue
        best = _best_hit(hits)
        start, end = _cut(text, max(0, best.start() - BEFORE), best.start() + AFTER)
        window = text[start:end]
        out = ["…" if start > 0 else ""]
        last = 0
        for hit in pattern.finditer(window):
            out.append(html.escape(window[last : hit.start()], quote=False))
            out.append(f"<mark>{html.escape(hit.group(0), quote=False)}</mark>")
            last = hit.end()
        out.append(html.escape(window[last:], quote=False))
        out.append("…" if end < len(full) else "")
        return " ".join("".join(out).split())
    return ""
