"""Importers: turn an uploaded story file (plain text or Markdown) into a ParsedWork.

Pure functions, no Django: the web import form, ``ficarchive import`` and the tests all call
:func:`parse_file`, which either returns a ParsedWork (with warnings for the user) or raises
ImportRejected with a message that says what was wrong and what to do.
"""

from __future__ import annotations

import re

from ficarchive.formats.importers.base import MAX_IMPORT_BYTES, ImportRejected
from ficarchive.formats.importers.markdown import parse_markdown
from ficarchive.formats.importers.plaintext import parse_plaintext
from ficarchive.formats.parsed import ParsedWork
from ficarchive.text import UndecodableError, decode_bytes
from ficarchive.text.normalize import normalize_whitespace_and_controls

__all__ = [
    "FORMATS",
    "MAX_IMPORT_BYTES",
    "ImportRejected",
    "ParsedWork",
    "detect_format",
    "parse_file",
]

FORMATS: tuple[str, ...] = ("text", "markdown")
FORMAT_ALIASES: dict[str, str] = {
    "text": "text",
    "txt": "text",
    "plain": "text",
    "plaintext": "text",
    "plain text": "text",
    "markdown": "markdown",
    "md": "markdown",
}
MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn"})
TEXT_EXTENSIONS = frozenset({".txt", ".text"})
# Files people try to import that are not text; a clear message beats a garbled import.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (a .docx, .odt or .epub file is one)"),
    (b"%PDF", "a PDF document"),
    (b"{\\rtf", "an RTF (Rich Text Format) document"),
    (b"\xd0\xcf\x11\xe0", "a Microsoft Office document (.doc)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)
_HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml"})
_FRONT_MATTER = re.compile(
    r"\A(?:\ufeff)?---[ \t]*\r?\n(?:.*\r?\n)*?[A-Za-z_][\w -]*:.*\r?\n(?:.*\r?\n)*?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)"
)
_ATX_HEADING = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
_SNIFF_BYTES = 64 * 1024


def _extension(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return "." + name.rsplit(".", 1)[1] if "." in name else ""


def detect_format(data: bytes, filename: str) -> str:
    """Return ``"markdown"`` or ``"text"`` for a file, from its extension and its content.

    ``.md``/``.markdown`` files are Markdown; ``.txt`` files are plain text unless they start
    with YAML front matter; other files are Markdown when they start with front matter or
    have ``#`` headings, else plain text.
    """
    extension = _extension(filename)
    if extension in MARKDOWN_EXTENSIONS:
        return "markdown"
    head = data[:_SNIFF_BYTES].decode("utf-8", errors="replace")
    if _FRONT_MATTER.match(head):
        return "markdown"
    if extension in TEXT_EXTENSIONS:
        return "text"
    return "markdown" if _ATX_HEADING.search(head) else "text"


def _resolve_format(fmt: str | None) -> str | None:
    if fmt is None or not fmt.strip():
        return None
    resolved = FORMAT_ALIASES.get(fmt.strip().lower())
    if resolved is None:
        raise ImportRejected(
            f"Unknown import format “{fmt[:40]}”: choose plain text (text) or Markdown "
            "(markdown), or leave the format out to detect it from the file."
        )
    return resolved


def _reject_non_text(data: bytes, filename: str, fmt: str | None) -> None:
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise ImportRejected(
                f"This file is {what}, not plain text or Markdown. Open it in the program "
                "that made it, save it as plain text (.txt, UTF-8) or Markdown (.md), and "
                "import that file."
            )
    if fmt is None and _extension(filename) in _HTML_EXTENSIONS:
        raise ImportRejected(
            "HTML files cannot be imported yet. Open the file in a browser, copy the story "
            "into the posting form (Work text, format HTML), or save it as plain text and "
            "import that."
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def parse_file(
    data: bytes,
    *,
    filename: str = "",
    fmt: str | None = None,
    title: str | None = None,
) -> ParsedWork:
    """Return the work in an uploaded file: metadata, chapters, notes and warnings.

    ``fmt`` is ``"text"`` or ``"markdown"`` (None: detect from the file); ``title``
    overrides the file's title. Raises ImportRejected (with a message for the user) for an
    empty file, a file over MAX_IMPORT_BYTES, binary or undecodable data, unreadable front
    matter, a file without story text, or an unknown ``fmt``.
    """
    resolved = _resolve_format(fmt)
    if not data:
        raise ImportRejected("The file is empty. Choose the file that holds your story.")
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRejected(
            f"The file is {_megabytes(len(data))}; the largest file that can be imported is "
            f"{_megabytes(MAX_IMPORT_BYTES)}. Split the work into smaller files (for example, "
            "import the first chapters, then add the rest as new chapters)."
        )
    _reject_non_text(data, filename, resolved)
    try:
        decoded = decode_bytes(data)
    except UndecodableError as error:
        raise ImportRejected(str(error)) from None
    if not normalize_whitespace_and_controls(decoded.text).strip():
        raise ImportRejected(
            "The file has no text in it (only blank space). Choose the file that holds your story."
        )
    resolved = resolved or detect_format(data, filename)
    work = parse_markdown(decoded.text) if resolved == "markdown" else parse_plaintext(decoded.text)
    if not work.chapters:
        raise ImportRejected(
            "No story text found in the file: it has "
            + (
                "only a header, notes and headings"
                if work.notes or work.title
                else "nothing to read"
            )
            + ". Check that you chose the right file; story paragraphs must be separated by "
            "blank lines."
        )
    work.encoding = decoded.encoding
    if decoded.encoding == "windows-1252":
        work.warnings.insert(
            0,
            "Decoded as Windows-1252 (not UTF-8). Check that quotes and accented letters "
            "came out right; if not, save the file as UTF-8 and import it again.",
        )
    if title is not None and title.strip():
        work.title = " ".join(title.split())
    if not work.title:
        work.warnings.append(
            "No title found in the file (no “Title:” line or front matter title). Give the "
            "work a title before posting it."
        )
    return work
