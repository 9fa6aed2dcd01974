"""Recognize scene-break lines: ``* * *``, ``***``, ``~*~*~``, ``---``, ``#``, ``o0o``, ``-x-``...

A scene break is a short line made only of symbol runs (``*~#=_+-`` and similar, not ``.``
or ``!``, since ``...`` and ``!!!`` are dialogue), optionally with the fandom favourites
``o0o``/``oOo``/``xXx`` (alternating case or digit) or one ``x``/``o`` framed by symbols
(``-x-``, ``~o~``). Words never make a scene break: ``xoxo``, ``Ooo`` and ``x`` stay text.
"""

from __future__ import annotations

import re

_SYMBOLS = "*~#=_+\\-\u2013\u2014\u2022\u00b7\u25e6\u25cb\u25cf\u25c7\u25c6\u25ca\u2666\u2756\u00a7\u203b\u00b0^|/\\\\<>:"
_PART = re.compile(f"[{_SYMBOLS}]+|[A-Za-z0-9]+")
_ALTERNATING = re.compile(r"(?:o[O0])+o|(?:[O0]o)+[O0]|(?:xX)+x|(?:Xx)+X")
_FRAMED_LETTER = frozenset("xXoO0")
# Every character a scene break may contain; lines with any other character are text.
_CANDIDATE = re.compile(f"[\\sxXoO0{_SYMBOLS}]+")
MAX_SCENE_BREAK_LENGTH = 60


def is_scene_break(line: str) -> bool:
    """Return True when ``line`` (one line of text) is a scene-break marker."""
    stripped = line.strip()
    if not stripped or len(stripped) > MAX_SCENE_BREAK_LENGTH:
        return False
    if not _CANDIDATE.fullmatch(stripped):
        return False
    has_symbol = False
    framed_letters = False
    for chunk in stripped.split():
        position = 0
        for match in _PART.finditer(chunk):
            if match.start() != position:
                return False  # a character that is neither a symbol nor a letter or digit
            position = match.end()
            run = match.group()
            if not run[0].isalnum():
                has_symbol = True
            elif _ALTERNATING.fullmatch(run):
                continue
            elif len(run) == 1 and run in _FRAMED_LETTER:
                framed_letters = True
            else:
                return False
        if position != len(chunk):
            return False
    return has_symbol or not framed_letters
