"""Decode uploaded bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else the encoding that
charset-normalizer detects (Windows-1250/1251/1252, ISO-8859-x, KOI8-R, Shift_JIS, EUC-JP,
GB18030, Big5, EUC-KR, UTF-16 without a BOM...).

The encoding used, and for a detected one how sure the detection was, is always reported
(``Decoded.encoding``, ``Decoded.confidence``) so that callers can tell the user; bytes that
are not text in any encoding are rejected with the reason, never guessed at silently.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes
from charset_normalizer.models import CharsetMatch

# Share of control characters (other than tab, newline, carriage return, form feed) above
# which a file is treated as binary rather than text.
MAX_CONTROL_SHARE = 0.02
# Fewer bytes outside ASCII than this are too little to tell one legacy encoding from another:
# such a file is read as Windows-1252 (the commonest) when it can be, else refused.
MIN_DETECTION_EVIDENCE = 8
# Chaos (mess, in percent) that charset-normalizer may find in Windows-1252's reading above
# its best candidate's for Windows-1252 still to be preferred (Western text is the commonest).
CP1252_CHAOS_MARGIN = 1.0

_BAD_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_DOS_EOF = "\x1a"
# Python codec names -> the names people know, for messages.
ENCODING_LABELS: dict[str, str] = {
    "cp1250": "Windows-1250",
    "cp1251": "Windows-1251",
    "cp1252": "Windows-1252",
    "cp1253": "Windows-1253",
    "cp1254": "Windows-1254",
    "cp1255": "Windows-1255",
    "cp1256": "Windows-1256",
    "cp1257": "Windows-1257",
    "cp1258": "Windows-1258",
    "koi8_r": "KOI8-R",
    "koi8_u": "KOI8-U",
    "cp932": "Shift_JIS",
    "shift_jis": "Shift_JIS",
    "shift_jis_2004": "Shift_JIS",
    "euc_jp": "EUC-JP",
    "euc_jis_2004": "EUC-JP",
    "iso2022_jp": "ISO-2022-JP",
    "gb18030": "GB18030",
    "gb2312": "GB2312",
    "gbk": "GBK",
    "big5": "Big5",
    "big5hkscs": "Big5-HKSCS",
    "cp949": "EUC-KR",
    "euc_kr": "EUC-KR",
    "utf_16_le": "UTF-16",
    "utf_16_be": "UTF-16",
    "utf_32_le": "UTF-32",
    "utf_32_be": "UTF-32",
}
_JAPANESE = frozenset({"cp932", "shift_jis", "shift_jis_2004", "euc_jp", "euc_jis_2004",
                       "iso2022_jp"})  # fmt: skip
_KOREAN = frozenset({"cp949", "euc_kr", "johab"})
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7a3]")


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, the encoding that was used and how sure its detection was."""

    text: str
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "windows-1252", "koi8-r", "shift_jis"...
    confidence: float = 1.0  # 1.0 for UTF-8 and byte-order marks; a detected encoding's less

    @property
    def label(self) -> str:
        """Return the encoding's usual name ("Windows-1252", "Shift_JIS")."""
        codec = codecs.lookup(self.encoding).name.replace("-", "_")
        return ENCODING_LABELS.get(codec, self.encoding.upper())


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
    """Return the text of ``data``, the encoding used to decode it and how sure that was.

    UTF-8 is tried first (``"utf-8-sig"`` when the file starts with a byte-order mark), then
    UTF-16 when the file starts with a UTF-16 byte-order mark; anything else is detected with
    charset-normalizer, preferring Windows-1252 when it reads the bytes as well as the best
    candidate. A trailing DOS end-of-file marker (Ctrl-Z) is dropped.

    Raises UndecodableError, saying why, for binary data (NULs outside UTF-16, many control
    characters) and for bytes that read as text in no encoding.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(
        codecs.BOM_UTF8
    ):
        return _decode_utf16(data)
    if data.startswith(codecs.BOM_UTF8):
        if b"\x00" in data:
            raise _binary_error()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UndecodableError(
                "This file starts with a UTF-8 byte-order mark but contains bytes that are not "
                f"valid UTF-8 (at byte {error.start}); parts of it may have been saved in "
                f"another encoding. {_SAVE_AS_UTF8}"
            ) from None
        return _checked(text, "utf-8-sig", 1.0)
    if b"\x00" not in data:
        try:
            return _checked(data.decode("utf-8"), "utf-8", 1.0)
        except UnicodeDecodeError:
            pass
    return _decode_detected(data)


def _checked(text: str, encoding: str, confidence: float) -> Decoded:
    text = text.removesuffix(_DOS_EOF)
    _check_controls(text)
    return Decoded(text=text, encoding=encoding, confidence=confidence)


def _confidence(match: CharsetMatch) -> float:
    return round(max(0.0, 1.0 - match.percent_chaos / 100), 2)


def _decode_detected(data: bytes) -> Decoded:
    """Return ``data`` decoded in the encoding charset-normalizer finds (not UTF-8)."""
    matches = list(from_bytes(data))
    if b"\x00" in data:  # text with NULs is UTF-16 or UTF-32 without a byte-order mark, or binary
        wide = [m for m in matches if m.encoding.startswith(("utf_16", "utf_32"))]
        if not wide:
            raise _binary_error()
        return _checked(str(wide[0]), wide[0].encoding.replace("_", "-"), _confidence(wide[0]))
    try:
        cp1252: str | None = data.decode("cp1252")
    except UnicodeDecodeError as error:
        cp1252, failure = None, error
    non_ascii = sum(1 for byte in data if byte > 0x7F)
    if cp1252 is not None and matches and str(matches[0]) == cp1252:
        # The best candidate reads the bytes exactly as Windows-1252 does: say Windows-1252.
        return _checked(cp1252, "windows-1252", _confidence(matches[0]))
    chosen = _choose(matches, cp1252, non_ascii)
    if chosen is not None:
        return _checked(str(chosen), _name(chosen.encoding), _confidence(chosen))
    if cp1252 is not None and (non_ascii < MIN_DETECTION_EVIDENCE or not matches):
        # Too little to tell: Windows-1252, the commonest, said with low confidence.
        return _checked(cp1252, "windows-1252", 0.5)
    if cp1252 is None and non_ascii < MIN_DETECTION_EVIDENCE:
        raise UndecodableError(
            "This file is neither UTF-8 nor Windows-1252 text: byte "
            f"0x{data[failure.start]:02X} at position {failure.start} is not a character in "
            f"either, and there is too little other text to tell its encoding. It may be "
            f"binary or damaged. {_SAVE_AS_UTF8}"
        )
    raise UndecodableError(
        "This file is not UTF-8, and it reads as text in no other common encoding either "
        "(Windows-1250/1251/1252, ISO-8859, KOI8-R, Shift_JIS, EUC-JP, GB18030, Big5, EUC-KR, "
        f"UTF-16 were tried), so it is probably not text or is damaged. {_SAVE_AS_UTF8}"
    )


def _name(codec: str) -> str:
    return "windows-1252" if codec == "cp1252" else codec.replace("_", "-")


def _share(pattern: re.Pattern[str], text: str) -> float:
    wide = sum(1 for char in text if ord(char) > 0x7F)
    return len(pattern.findall(text)) / wide if wide else 0.0


def _choose(matches: list[CharsetMatch], cp1252: str | None, non_ascii: int) -> CharsetMatch | None:
    """Return the match to decode with: Windows-1252 when it reads the bytes as well as the
    best candidate; a Japanese or Korean reading that shows kana or Hangul over a Chinese one;
    else charset-normalizer's best. None when there is too little to tell."""
    if not matches:
        return None
    best = matches[0]
    if cp1252 is not None:
        for match in matches:
            if match.encoding == "cp1252" and match.percent_chaos <= (
                best.percent_chaos + CP1252_CHAOS_MARGIN
            ):
                return match
    if non_ascii < MIN_DETECTION_EVIDENCE:
        return None
    for match in matches:
        if match.encoding in _JAPANESE and _share(_KANA, str(match)) >= 0.15:
            return match
    for match in matches:
        if match.encoding in _KOREAN and _share(_HANGUL, str(match)) >= 0.5:
            return match
    return best
