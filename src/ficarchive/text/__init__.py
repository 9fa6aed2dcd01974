"""The pure text pipeline: decode -> normalize -> to HTML -> sanitize -> paragraph ids -> count.

No Django imports here, so that it is fast to test and to fuzz.
"""

from __future__ import annotations

from ficarchive.text.decode import Decoded, UndecodableError, decode_bytes
from ficarchive.text.htmlscan import (
    add_paragraph_ids,
    count_text_words,
    count_words,
    html_to_text,
    remove_paragraph_ids,
)
from ficarchive.text.names import suggest_character_names
from ficarchive.text.normalize import APOSTROPHE, fix_apostrophes, normalize_text
from ficarchive.text.render import TEXT_FORMATS, RenderedText, TextFormat, render_text
from ficarchive.text.sanitize import sanitize_html
from ficarchive.text.scenebreak import is_scene_break

__all__ = [
    "APOSTROPHE",
    "TEXT_FORMATS",
    "Decoded",
    "RenderedText",
    "TextFormat",
    "UndecodableError",
    "add_paragraph_ids",
    "count_text_words",
    "count_words",
    "decode_bytes",
    "fix_apostrophes",
    "html_to_text",
    "is_scene_break",
    "normalize_text",
    "remove_paragraph_ids",
    "render_text",
    "sanitize_html",
    "suggest_character_names",
]
