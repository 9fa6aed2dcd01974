"""Decode uploaded bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

The encoding used is always reported (``Decoded.encoding``) so that callers can tell the
user; bytes that are not text in any of these encodings are rejected, never guessed at.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

# Share of control characters (other than tab, newline, carriage return, form feed) above
# which a file is treated as binary rather than text.
MAX_CONTROL_SHARE = 0.02
# In a file that is not UTF-8, share of non-ASCII letters above which the file is more likely
# another legacy encoding (Windows-1251, Shift-JIS, ...) or binary than Windows-1252 text.
MAX_CP1252_NON_ASCII_SHARE = 0.3

_BAD_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_DOS_EOF = "\x1a"
_WHITESPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, and the encoding that was used."""

    text: str
    encoding: str  # "utf-8", "utf-8-sig", "utf-16" or "windows-1252"


class UndecodableError(ValueError):
    """The bytes are not text we can decode; ``str(error)`` tells the user what to do."""


_SAVE_AS_UTF8 = (
    "Save it as plain text in UTF-8 (most editors offer this under “Save as”) and try again."
)


def _binary_error() -> UndecodableError:
    return UndecodableError(
        "This file does not look like text: it contains binary data (such as NUL bytes or "
        "many control characters). It may be a word-processor document, an image or an "
        f"archive. {_SAVE_AS_UTF8}"
    )


def _check_controls(text: str) -> None:
    if not text:
        return
    bad = len(_BAD_CONTROLS.findall(text))
    if bad and bad / len(text) > MAX_CONTROL_SHARE:
        raise _binary_error()


def _decode_utf16(data: bytes) -> Decoded:
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError as error:
        raise UndecodableError(
            "This file starts with a UTF-16 byte-order mark but is not valid UTF-16 "
            f"(at byte {error.start}). {_SAVE_AS_UTF8}"
        ) from None
    if "\x00" in text:
        raise _binary_error()
    _check_controls(text)
    return Decoded(text=text, encoding="utf-16")


def decode_bytes(data: bytes) -> Decoded:
    """Return the text of ``data`` and the encoding used to decode it.

    UTF-8 is tried first (``"utf-8-sig"`` when the file starts with a byte-order mark), then
    UTF-16 when the file starts with a UTF-16 byte-order mark, then Windows-1252
    (``"windows-1252"``), which callers must report to the user. A trailing DOS end-of-file
    marker (Ctrl-Z) is dropped.

    Raises UndecodableError when the bytes contain NULs, a high share of control characters,
    bytes undefined in Windows-1252 (such as 0x81) while not being valid UTF-8, or mostly
    non-ASCII characters while not being UTF-8 (likely another legacy encoding).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(
        codecs.BOM_UTF8
    ):
        return _decode_utf16(data)
    if b"\x00" in data:
        raise _binary_error()
    if data.startswith(codecs.BOM_UTF8):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UndecodableError(
                "This file starts with a UTF-8 byte-order mark but contains bytes that are not "
                f"valid UTF-8 (at byte {error.start}); parts of it may have been saved in "
                f"another encoding. {_SAVE_AS_UTF8}"
            ) from None
        encoding = "utf-8-sig"
    else:
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            text, encoding = _decode_cp1252(data), "windows-1252"
    text = text.removesuffix(_DOS_EOF)
    _check_controls(text)
    return Decoded(text=text, encoding=encoding)


def _decode_cp1252(data: bytes) -> str:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise UndecodableError(
            "This file is neither UTF-8 nor Windows-1252 text: byte "
            f"0x{data[error.start]:02X} at position {error.start} is not a character in either. "
            f"It may be binary or in another encoding. {_SAVE_AS_UTF8}"
        ) from None
    visible = len(text) - len(_WHITESPACE.findall(text))
    if visible:
        non_ascii = len(text) - len(text.encode("ascii", "ignore"))
        if non_ascii / visible > MAX_CP1252_NON_ASCII_SHARE:
            raise UndecodableError(
                "This file is not UTF-8, and read as Windows-1252 it comes out as mostly "
                "accented or symbol characters, so it is probably in another encoding (such as "
                f"Windows-1251 or Shift-JIS) or not text at all. {_SAVE_AS_UTF8}"
            )
    return text
