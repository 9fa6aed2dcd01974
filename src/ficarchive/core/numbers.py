"""Whole numbers from request input (query strings, form fields, path pieces).

`str.isdigit()` is true for "²" and "①", which `int()` refuses (a 500 where a message was
meant), and for Arabic-Indic or fullwidth digits, which `int()` reads. Request input is a
number here only when it is ASCII digits, so every parser agrees on what a number is.
"""

from __future__ import annotations

# 18 digits always fit a signed 64-bit database id.
MAX_DIGITS = 18


def parse_whole_number(raw: object, *, max_digits: int = MAX_DIGITS) -> int | None:
    """Return raw (surrounding whitespace ignored) as a whole number if it is 1 to
    max_digits ASCII digits, else None."""
    text = str(raw).strip()
    if not text or len(text) > max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)
