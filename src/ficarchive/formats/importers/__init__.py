"""Importers: turn an uploaded story file into a ParsedWork.

Formats: plain text, Markdown, HTML, AO3's HTML download, EPUB (2 and 3) and Word (.docx),
detected from the content (``fmt`` forces one).

Pure functions, no Django: the web import form, ``ficarchive import`` and the tests all call
:func:`parse_file`, which either returns a ParsedWork (with warnings for the user) or raises
ImportRejected with a message that says what was wrong and what to do.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile

from ficarchive.formats.importers.ao3 import looks_like_ao3, parse_ao3
from ficarchive.formats.importers.archive import DEFAULT_LIMITS, ArchiveLimits, SafeZip
from ficarchive.formats.importers.base import MAX_IMPORT_BYTES, ImportRejected
from ficarchive.formats.importers.docx import is_docx, parse_docx_archive
from ficarchive.formats.importers.epub import is_epub, parse_epub_archive
from ficarchive.formats.importers.html import parse_html_document
from ficarchive.formats.importers.markdown import parse_markdown
from ficarchive.formats.importers.plaintext import parse_plaintext
from ficarchive.formats.parsed import ParsedWork
from ficarchive.text import UndecodableError, decode_bytes
from ficarchive.text.normalize import normalize_whitespace_and_controls

__all__ = [
    "FORMATS",
    "MAX_IMPORT_BYTES",
    "ArchiveLimits",
    "ImportRejected",
    "ParsedWork",
    "detect_format",
    "parse_file",
]

FORMATS: tuple[str, ...] = ("text", "markdown", "html", "ao3", "epub", "docx")
FORMAT_LABELS: dict[str, str] = {
    "text": "Plain text",
    "markdown": "Markdown",
    "html": "HTML",
    "ao3": "AO3 HTML download",
    "epub": "EPUB",
    "docx": "Word document (.docx)",
}
ZIP_FORMATS = frozenset({"epub", "docx"})
FORMAT_ALIASES: dict[str, str] = {
    "text": "text",
    "txt": "text",
    "plain": "text",
    "plaintext": "text",
    "plain text": "text",
    "markdown": "markdown",
    "md": "markdown",
    "html": "html",
    "htm": "html",
    "xhtml": "html",
    "ao3": "ao3",
    "ao3 html": "ao3",
    "archive of our own": "ao3",
    "epub": "epub",
    "docx": "docx",
    "word": "docx",
}
MARKDOWN_EXTENSIONS = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn"})
TEXT_EXTENSIONS = frozenset({".txt", ".text"})
# Files people try to import that are not text; a clear message beats a garbled import.
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
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


_HTML_START = re.compile(
    r"\A(?:\ufeff)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    r"<(?:!doctype\s+html|html|head|body|meta|title|p|div|h[1-6]|center|table|section|article)[\s>/]",
    re.IGNORECASE | re.DOTALL,
)


def _extension(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return "." + name.rsplit(".", 1)[1] if "." in name else ""


_ZIP_OPEN_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    ValueError,
    EOFError,
    RuntimeError,
    NotImplementedError,  # "zip file version 6.4": features the standard library lacks
)


def _zip_kind(data: bytes, filename: str) -> str:
    """Return "epub" or "docx" for a ZIP-based document (by its members, else its name)."""
    names: set[str] = set()
    # A damaged file is told apart later, by the reader with its clear messages.
    with contextlib.suppress(*_ZIP_OPEN_ERRORS):
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    if "word/document.xml" in names:
        return "docx"
    if "META-INF/container.xml" in names or "mimetype" in names:
        return "epub"
    extension = _extension(filename)
    return "docx" if extension == ".docx" else "epub"


def detect_format(data: bytes, filename: str) -> str:
    """Return the format of a file (one of FORMATS) from its content and extension.

    ZIP archives are EPUB or DOCX by their members; ``.md``/``.markdown`` files are Markdown;
    HTML is recognized by its markup at the start (or a ``.html``/``.htm``/``.xhtml`` name),
    and is AO3's download when it carries AO3's preface; ``.txt`` files are plain text unless they start
    with YAML front matter; other files are Markdown when they start with front matter or
    have ``#`` headings, else plain text.
    """
    if data.startswith(_ZIP_SIGNATURES):
        return _zip_kind(data, filename)
    extension = _extension(filename)
    if extension in MARKDOWN_EXTENSIONS:
        return "markdown"  # Markdown may open with raw HTML
    head = data[:_SNIFF_BYTES].decode("utf-8", errors="replace")
    if extension in _HTML_EXTENSIONS or _HTML_START.match(head):
        return "ao3" if looks_like_ao3(data) else "html"
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
            f"Unknown import format “{fmt[:40]}”: choose one of {', '.join(FORMATS)}, or "
            "leave the format out to detect it from the file."
        )
    return resolved


def _reject_non_text(data: bytes) -> None:
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise ImportRejected(
                f"This file is {what}, which cannot be imported. Open it in the program that "
                "made it, save it as plain text (.txt, UTF-8), HTML, EPUB or Word (.docx), and "
                "import that file."
            )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _parse_zip(data: bytes, filename: str, fmt: str | None, limits: ArchiveLimits) -> ParsedWork:
    kind = fmt or _zip_kind(data, filename)
    what = "EPUB" if kind == "epub" else "DOCX"
    archive = SafeZip(data, what, limits)
    if kind == "docx" or (fmt is None and is_docx(archive)):
        return parse_docx_archive(archive, data)
    if fmt is None and not is_epub(archive):
        raise ImportRejected(
            "This file is a ZIP archive that is neither an EPUB nor a Word document (.docx). "
            "Open the story in the program that made it, save it as plain text, HTML, EPUB "
            "or .docx, and import that file."
        )
    return parse_epub_archive(archive)


def _parse_text_formats(data: bytes, filename: str, fmt: str | None) -> tuple[ParsedWork, str]:
    """Return (the work, its format) for a file of text: plain, Markdown or HTML."""
    _reject_non_text(data)
    try:
        decoded = decode_bytes(data)
    except UndecodableError as error:
        raise ImportRejected(str(error)) from None
    if not normalize_whitespace_and_controls(decoded.text).strip():
        raise ImportRejected(
            "The file has no text in it (only blank space). Choose the file that holds your story."
        )
    resolved = fmt or detect_format(data, filename)
    if resolved == "ao3":
        work = parse_ao3(decoded.text)
    elif resolved == "html":
        work = parse_html_document(decoded.text)
    elif resolved == "markdown":
        work = parse_markdown(decoded.text)
    else:
        work = parse_plaintext(decoded.text)
    work.encoding = decoded.encoding
    if decoded.encoding not in ("utf-8", "utf-8-sig", "utf-16"):
        work.warnings.insert(
            0,
            f"Decoded as {decoded.label} (not UTF-8). The encoding was detected with "
            f"{decoded.confidence:.0%} confidence: check that quotes and accented letters "
            "came out right; if not, save the file as UTF-8 and import it again.",
        )
    return work, resolved


def parse_file(
    data: bytes,
    *,
    filename: str = "",
    fmt: str | None = None,
    title: str | None = None,
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> ParsedWork:
    """Return the work in an uploaded file: metadata, chapters, notes and warnings.

    ``fmt`` is one of FORMATS (None: detect from the file); ``title`` overrides the file's
    title; ``limits`` caps what an EPUB or DOCX may inflate to. Raises ImportRejected (with
    a message for the user) for an empty file, a file over MAX_IMPORT_BYTES, binary or
    undecodable data, a damaged or unsafe archive, unreadable front matter or XML, a file
    without story text, or an unknown ``fmt``.
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
    is_zip = data.startswith(_ZIP_SIGNATURES)
    if resolved in ZIP_FORMATS and not is_zip:
        label = FORMAT_LABELS[resolved]
        raise ImportRejected(
            f"This file is not an {label} file: EPUB and .docx files are ZIP archives, and "
            "this one is not. Choose another format, or leave the format out to detect it."
        )
    if is_zip and resolved in (None, *ZIP_FORMATS):
        work = _parse_zip(data, filename, resolved, limits)
        work.encoding = "utf-8"
        kind = "archive"
    else:
        work, kind = _parse_text_formats(data, filename, resolved)
    if not work.chapters:
        hint = (
            "story paragraphs must be separated by blank lines"
            if kind in ("text", "markdown")
            else "the story must be in the file's text, not only in images"
        )
        raise ImportRejected(
            "No story text found in the file: it has "
            + (
                "only a header, notes and headings"
                if work.notes or work.title
                else "nothing to read"
            )
            + f". Check that you chose the right file; {hint}."
        )
    if title is not None and title.strip():
        work.title = " ".join(title.split())
    work.title = " ".join(work.title.split())[:255]
    if not work.title:
        work.title = title_from_filename(filename)
        if work.title:
            work.warnings.append(
                "The file names no title (no “Title:” line, front matter or document title), "
                f"so the work is titled “{work.title}” after its file name. Change it on the "
                "work's edit page if that is not right."
            )
    if not work.title:
        work.warnings.append(
            "No title found in the file (no “Title:” line, front matter or document title). "
            "Give the work a title before posting it."
        )
    work.warnings = list(dict.fromkeys(work.warnings))  # each message once
    return work


_KNOWN_EXTENSIONS = frozenset(
    {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".epub", ".docx", ".doc",
     ".rtf", ".odt"}
)  # fmt: skip


def title_from_filename(filename: str) -> str:
    """Return a title made from a file name: its extension(s) dropped, underscores (and the
    hyphens of a name without spaces) made spaces, the first letter capitalized;
    ``the_salt-road (draft 2).docx.txt`` gives ``The salt road (draft 2)``."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    while (extension := _extension(name)) in _KNOWN_EXTENSIONS:
        name = name[: -len(extension)]
    if "_" in name or " " not in name:
        name = name.replace("_", " ").replace("-", " ")
    name = " ".join(name.split()).strip(" .")[:255]
    if name[:1].islower():
        name = name[0].upper() + name[1:]
    return name if any(char.isalnum() for char in name) else ""
