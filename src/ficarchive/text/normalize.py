"""Normalize decoded text: line endings, control characters, old-archive apostrophes, NFC.

Apostrophe choice: backtick and doubled-quote apostrophes become the plain ASCII apostrophe
``'`` (U+0027). Text that was typed with backticks was typed on an ASCII keyboard, so its other
quotes are ASCII too (``"``); a plain apostrophe keeps the text consistent, and it is the
character readers type into a search box.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

APOSTROPHE = "'"

# C0 controls except \t and \n (\r is handled as a line ending first), DEL, C1 controls,
# lone surrogates (they cannot be encoded and break the sanitizer) and stray BOMs.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ud800-\udfff]")
_LINE_ENDINGS = re.compile("\r\n?|[\u2028\x85]")
_PARAGRAPH_SEPARATOR = "\u2029"

# didn`t, Julia`s, I`ll: a backtick between two word characters.
_MID_WORD_BACKTICK = re.compile(r"(?<=\w)`(?=\w)")
# don''t: two single quotes between word characters.
_MID_WORD_DOUBLED_QUOTE = re.compile(r"(?<=\w)''(?=\w)")
# ``quoted'' (TeX style) and ''quoted'' (two single quotes used as a double quote).
_DOUBLED_BACKTICK = re.compile(r"``")
_DOUBLED_QUOTE = re.compile(r"''")


_FENCE_OPEN = re.compile(r" {0,3}(`{3,}|~{3,})")


def _fix_mid_word(text: str) -> str:
    text = _MID_WORD_BACKTICK.sub(APOSTROPHE, text)
    return _MID_WORD_DOUBLED_QUOTE.sub(APOSTROPHE, text)


def _outside_fenced_code(text: str, fix: Callable[[str], str]) -> str:
    """Return Markdown text with ``fix`` applied to everything but fenced code blocks."""
    if "```" not in text and "~~~" not in text:
        return fix(text)
    out: list[str] = []
    prose: list[str] = []
    fence = ""
    for line in text.split("\n"):
        if fence:
            out.append(line)
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            continue
        match = _FENCE_OPEN.match(line)
        if match and not (match.group(1)[0] == "`" and "`" in line[match.end() :]):
            if prose:
                out.append(fix("\n".join(prose)))
            prose = []
            out.append(line)
            fence = match.group(1)
            continue
        prose.append(line)
    if prose:
        out.append(fix("\n".join(prose)))
    # Each flushed run of prose was one element; joining restores the original lines.
    return "\n".join(out)


def fix_apostrophes(text: str, *, markdown: bool = False) -> str:
    """Return text with backtick and doubled-quote apostrophes replaced.

    ``didn`t`` and ``don''t`` become ``didn't`` and ``don't``. Outside Markdown every other
    backtick becomes an apostrophe too (``goin` home``, ```em``), and a remaining pair of
    backticks or of single quotes used as a double quote (````Hi,'' she said``) becomes ``"``.
    In Markdown only the mid-word forms are fixed, because backticks mark code spans there.
    """
    if "`" not in text and "''" not in text:
        return text
    if markdown:
        return _outside_fenced_code(text, _fix_mid_word)
    text = _fix_mid_word(text)
    text = _DOUBLED_BACKTICK.sub('"', text).replace("`", APOSTROPHE)
    # Replacing backticks can make new pairs ("'`" -> "''"); settle them last, so that a
    # second pass finds nothing to change.
    text = _MID_WORD_DOUBLED_QUOTE.sub(APOSTROPHE, text)
    return _DOUBLED_QUOTE.sub('"', text)


# Bytes an ASCII text may hold without a control character in it (tab and newline).
_ASCII_ALLOWED = bytes([9, 10, *range(32, 127)])


def _has_controls(text: str) -> bool:
    if text.isascii():
        # Deleting the allowed bytes is several times faster than searching a character class.
        return bool(text.encode("ascii").translate(None, _ASCII_ALLOWED))
    return _CONTROL.search(text) is not None


def normalize_whitespace_and_controls(text: str) -> str:
    """Return text with \\n line endings, without control characters, in Unicode NFC.

    CR LF, CR, NEL and LINE SEPARATOR become \\n; PARAGRAPH SEPARATOR becomes a blank line;
    form feed and vertical tab become \\n; other C0/C1 controls (NUL included), DEL, stray
    byte-order marks and lone surrogates are removed. Tabs are kept.
    """
    if "\r" in text or "\u2028" in text or "\x85" in text:
        text = _LINE_ENDINGS.sub("\n", text)
    if _PARAGRAPH_SEPARATOR in text:
        text = text.replace(_PARAGRAPH_SEPARATOR, "\n\n")
    text = text.replace("\f", "\n").replace("\v", "\n")
    if _has_controls(text):
        text = _CONTROL.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


def normalize_text(text: str, *, markdown: bool = False) -> str:
    """Return text normalized for rendering: line endings, controls, apostrophes, NFC.

    See :func:`normalize_whitespace_and_controls` and :func:`fix_apostrophes`; ``markdown=True``
    leaves backticks that may mark code spans alone.
    """
    return fix_apostrophes(normalize_whitespace_and_controls(text), markdown=markdown)
