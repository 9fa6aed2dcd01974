"""Read ZIP-based documents (EPUB, DOCX) safely: in memory, with caps, and XML without
entity tricks.

Nothing is ever extracted to disk. Before a member is read, the archive is checked as a
whole: number of entries, names (no absolute paths, no ``..``, no drive letters or NUL
bytes), declared sizes (each entry and in total) and compression ratio (a zip bomb is a few
kilobytes that inflate to gigabytes). Reading a member stops one byte past its cap, so a
lying header cannot make it grow. XML is parsed with defusedxml with document types
forbidden: a document type may be named (EPUB 2's NCX always is) but never loaded, and no
entity may be declared (no billion laughs, no external entities).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ficarchive.formats.importers.base import ImportRejected


@dataclass(frozen=True)
class ArchiveLimits:
    """How big a ZIP-based document may be once inflated."""

    max_entries: int = 5000
    max_entry_bytes: int = 32 * 1024 * 1024
    max_total_bytes: int = 128 * 1024 * 1024
    # Inflated size / compressed size above which an entry is refused, for entries larger
    # than ratio_floor (text compresses 3-10 times, a zip bomb thousands of times).
    max_ratio: int = 200
    ratio_floor: int = 1024 * 1024


DEFAULT_LIMITS = ArchiveLimits()
_DRIVE = re.compile(r"[A-Za-z]:")
_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,  # encrypted entries
    NotImplementedError,  # compression methods the standard library lacks
    ValueError,
    UnicodeDecodeError,
)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def unsafe_name(name: str) -> bool:
    """Return True for a member name that points outside the archive's own folder."""
    if "\x00" in name or not name:
        return True
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or _DRIVE.match(normalized):
        return True
    return ".." in normalized.split("/")


class SafeZip:
    """A ZIP archive held in memory whose members are read with caps."""

    def __init__(self, data: bytes, what: str, limits: ArchiveLimits = DEFAULT_LIMITS) -> None:
        """Open ``data`` (the document called ``what`` in messages: "EPUB", "DOCX").

        Raises ImportRejected when it is not a readable ZIP archive or breaks a limit."""
        self.what = what
        self.limits = limits
        self.read_total = 0
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except _READ_ERRORS as error:
            raise ImportRejected(
                f"This {what} file is damaged: it is not a readable ZIP archive ({error}). "
                "Download or save it again and import the new copy, or save it as plain text "
                "(.txt) and import that."
            ) from None
        if len(infos) > limits.max_entries:
            raise ImportRejected(
                f"This {what} file holds {len(infos):,} files; the most an import reads is "
                f"{limits.max_entries:,}."
            )
        total = 0
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if unsafe_name(info.filename):
                raise ImportRejected(
                    f"This {what} file holds a file with an unsafe name "
                    f"(“{info.filename[:80]!r}” points outside the document), so it is not "
                    "imported."
                )
            self._check_size(info)
            total += info.file_size
            self.infos.setdefault(info.filename, info)
        if total > limits.max_total_bytes:
            raise ImportRejected(
                f"This {what} file inflates to {_megabytes(total)}; the most an import reads "
                f"is {_megabytes(limits.max_total_bytes)}."
            )

    def _check_size(self, info: zipfile.ZipInfo) -> None:
        limits = self.limits
        if info.file_size > limits.max_entry_bytes:
            raise ImportRejected(
                f"The file “{info.filename[:80]}” inside this {self.what} is "
                f"{_megabytes(info.file_size)} once unpacked; the limit is "
                f"{_megabytes(limits.max_entry_bytes)}."
            )
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise ImportRejected(
                f"This {self.what} file looks like a zip bomb: “{info.filename[:80]}” would "
                f"inflate from {info.compress_size:,} bytes to {info.file_size:,}. It is not "
                "imported."
            )

    def names(self) -> list[str]:
        """Return the member names, in archive order."""
        return list(self.infos)

    def has(self, name: str) -> bool:
        """Return True if the archive has a member called ``name``."""
        return name in self.infos

    def read(self, name: str) -> bytes:
        """Return the bytes of member ``name``. Raises ImportRejected when it is missing,
        damaged, or larger than the limits allow."""
        info = self.infos.get(name)
        if info is None:
            raise ImportRejected(
                f"This {self.what} file is incomplete: “{name[:80]}” is missing from it."
            )
        cap = min(self.limits.max_entry_bytes, self.limits.max_total_bytes - self.read_total)
        try:
            with self.zip.open(info) as member:
                data = member.read(cap + 1)
        except _READ_ERRORS as error:
            raise ImportRejected(
                f"This {self.what} file is damaged: “{name[:80]}” cannot be read ({error}). "
                "Download or save it again, then import the new copy."
            ) from None
        if len(data) > cap:
            raise ImportRejected(
                f"This {self.what} file is too large once unpacked; the most an import reads is "
                f"{_megabytes(self.limits.max_total_bytes)}."
            )
        self.read_total += len(data)
        return data

    def read_text(self, name: str) -> str:
        """Return member ``name`` decoded as UTF-8 (or UTF-16 with a byte-order mark)."""
        data = self.read(name)
        try:
            if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                return data.decode("utf-16")
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportRejected(
                f"This {self.what} file is damaged: “{name[:80]}” is not valid UTF-8 text."
            ) from None


def parse_xml(data: bytes | str, what: str) -> Element:
    """Return the root element of an XML document, read without entities or external files.

    A document type declaration that declares no entities is allowed: every EPUB 2 NCX
    (fichub's, pandoc's) names the NCX DTD, which is never loaded. ``what`` names the document
    in messages ("the EPUB's package document"). Raises ImportRejected for malformed XML and
    for any entity declaration (entity bombs) or external reference."""
    try:
        return fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ImportRejected(
            f"{what[:1].upper()}{what[1:]} declares entities or refers to outside files, which "
            "an import never reads (they can hide an XML bomb), so the file is not imported."
        ) from None
    except (ParseError, ValueError, UnicodeError) as error:
        raise ImportRejected(
            f"{what[:1].upper()}{what[1:]} is not well-formed XML ({error}). Save the file "
            "again from the program that made it."
        ) from None


def local_name(tag: str) -> str:
    """Return an XML tag without its namespace: ``{http://...}title`` gives ``title``."""
    return tag.rsplit("}", 1)[-1]
