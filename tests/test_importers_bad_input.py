"""Every importer under hostile input: random bytes (hypothesis), mutated real files
(truncated, bytes flipped, wrong mimetype), XML bombs and external entities, zip bombs, huge
files, invalid encodings, unsafe member names, deep nesting. Each either imports cleanly or
raises ImportRejected with a message; nothing hangs, nothing is written anywhere."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ficarchive.formats.exporters import ExportChapter, ExportWork, export_epub, export_html
from ficarchive.formats.importers import (
    FORMATS,
    MAX_IMPORT_BYTES,
    ArchiveLimits,
    ImportRejected,
    parse_file,
)
from ficarchive.formats.parsed import ParsedWork
from ficarchive.text import render_text
from tests.conftest import hostile_corpus
from tests.htmlcheck import assert_nothing_executable
from tests.test_importers_epub import CONTAINER, epub3, make_docx, make_zip, para
from tests.test_importers_html import ao3_download

FUZZ = settings(
    max_examples=int(os.environ.get("FICARCHIVE_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
)
XXE = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def check(data: bytes, **options: object) -> ParsedWork | None:
    """Parse; return the work, or None when it was rejected with a message."""
    started = time.monotonic()
    try:
        work = parse_file(data, **options)  # type: ignore[arg-type]
    except ImportRejected as error:
        assert str(error).strip()
        assert "Traceback" not in str(error)
        return None
    finally:
        assert time.monotonic() - started < 30
    assert work.chapters
    for chapter in work.chapters:
        assert chapter.word_count > 0
        assert_nothing_executable(
            chapter.html + chapter.notes + chapter.end_notes + chapter.summary
        )
    assert_nothing_executable(work.summary + work.notes + work.end_notes)
    json.dumps(work.to_json())
    return work


def rejection(data: bytes, **options: object) -> str:
    with pytest.raises(ImportRejected) as error:
        parse_file(data, **options)  # type: ignore[arg-type]
    return str(error.value)


def sample_export() -> ExportWork:
    def notes(source: str) -> str:
        return render_text(source, "text", paragraph_ids=False).html

    return ExportWork(
        work_id=3,
        site_name="ficarchive",
        title="Sample",
        creators=["mira"],
        rating="General Audiences",
        language="en",
        language_name="English",
        modified=datetime(2024, 5, 1, tzinfo=UTC),
        fandoms=["Original Work"],
        freeforms=["Fluff"],
        summary_html=notes("A summary."),
        notes_html=notes("Notes."),
        chapters=[
            ExportChapter(1, "One", render_text("Text one.\n\nMore.", "text").html),
            ExportChapter(2, "", render_text("Text two.", "text").html, end_notes_html=notes("E")),
        ],
    )


SAMPLE_EPUB = export_epub(sample_export())
SAMPLES: dict[str, bytes] = {
    "epub": SAMPLE_EPUB,
    "docx": make_docx([para("Chapter 1", style="Heading1"), para("Some text."), para("More.")]),
    "html": export_html(sample_export()),
    "ao3": ao3_download().encode(),
    "generic-epub": epub3([("One", "<p>Text one.</p>"), ("Two", "<p>Text two.</p>")]),
}


# ------------------------------------------------------------ random bytes


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from([*FORMATS, None]))
def test_random_bytes_in_every_format(data: bytes, fmt: str | None) -> None:
    check(data, filename="upload", fmt=fmt)


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["epub", "docx", None]))
def test_random_bytes_behind_a_zip_signature(data: bytes, fmt: str | None) -> None:
    check(b"PK\x03\x04" + data, filename="x.epub", fmt=fmt)


@FUZZ
@given(st.text(max_size=2000), st.sampled_from(["html", "ao3"]))
def test_random_text_as_html(text: str, fmt: str) -> None:
    check(text.encode("utf-8", errors="surrogatepass"), filename="x.html", fmt=fmt)


# ----------------------------------------------------------- mutated files


@FUZZ
@given(st.sampled_from(sorted(SAMPLES)), st.floats(min_value=0, max_value=1))
def test_truncated_files(name: str, fraction: float) -> None:
    data = SAMPLES[name]
    check(data[: max(1, int(len(data) * fraction))], filename=f"x.{name.split('-')[-1]}")


@FUZZ
@given(
    st.sampled_from(sorted(SAMPLES)),
    st.lists(st.tuples(st.floats(min_value=0, max_value=0.999), st.integers(0, 255)), max_size=8),
)
def test_files_with_flipped_bytes(name: str, flips: list[tuple[float, int]]) -> None:
    data = bytearray(SAMPLES[name])
    for position, value in flips:
        data[int(position * len(data))] = value
    check(bytes(data), filename=f"x.{name.split('-')[-1]}")


def _rezip(data: bytes, change: dict[str, bytes | None]) -> bytes:
    """Return the archive with members replaced (None removes one)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename in change:
                replacement = change[info.filename]
                if replacement is not None:
                    archive.writestr(info.filename, replacement)
            else:
                archive.writestr(info.filename, source.read(info))
    return out.getvalue()


def test_a_wrong_mimetype_is_still_read_through_the_container() -> None:
    work = check(_rezip(SAMPLE_EPUB, {"mimetype": b"application/msword"}), filename="x.epub")
    assert work is not None and work.title == "Sample"


def test_an_epub_without_its_chapters_is_rejected_clearly() -> None:
    stripped = _rezip(SAMPLE_EPUB, {"OEBPS/chapter-1.xhtml": None, "OEBPS/chapter-2.xhtml": None})
    assert rejection(stripped, filename="x.epub").startswith("No story text found")


def test_forced_zip_formats_refuse_files_that_are_not_zips() -> None:
    assert "not an EPUB file" in rejection(b"<p>hello</p>", filename="x.epub", fmt="epub")
    assert "ZIP archives" in rejection(b"hello", filename="x.docx", fmt="docx")


# ---------------------------------------------------------- XML tricks


@pytest.mark.parametrize("prefix", [BILLION_LAUGHS, XXE])
def test_xml_bombs_and_external_entities_in_the_epub_package_are_refused(prefix: str) -> None:
    source = zipfile.ZipFile(io.BytesIO(SAMPLE_EPUB))
    opf = source.read("OEBPS/content.opf").decode().split("\n", 1)[1]
    data = _rezip(SAMPLE_EPUB, {"OEBPS/content.opf": (prefix + opf).encode()})
    assert "declares entities" in rejection(data, filename="x.epub")
    container = (prefix + CONTAINER.format(opf="OEBPS/content.opf").split("\n", 1)[1]).encode()
    data = _rezip(SAMPLE_EPUB, {"META-INF/container.xml": container})
    assert "declares entities" in rejection(data, filename="x.epub")


@pytest.mark.parametrize("prefix", [BILLION_LAUGHS, XXE])
def test_xml_bombs_in_a_docx_are_refused(prefix: str) -> None:
    document = (
        prefix + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
        'main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
    )
    data = make_docx([], extra={"word/document.xml": document})
    assert "declares entities" in rejection(data, filename="x.docx")


def test_entities_in_chapter_files_are_never_expanded() -> None:
    body = (
        BILLION_LAUGHS
        + '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Safe &lol9; text.</p></body></html>'
    )
    data = _rezip(SAMPLES["generic-epub"], {"OEBPS/text/c0.xhtml": body.encode()})
    work = check(data, filename="x.epub")
    assert work is not None
    assert "lollol" not in work.chapters[0].html


def test_malformed_xml_is_refused_with_its_reason() -> None:
    data = _rezip(SAMPLE_EPUB, {"OEBPS/content.opf": b"<package><metadata>"})
    assert "not well-formed XML" in rejection(data, filename="x.epub")


# -------------------------------------------------------------- zip bombs


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", CONTAINER.format(opf="a.opf"))
        archive.writestr("a.opf", b"\x00" * (8 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 100 * 1024
    assert "zip bomb" in rejection(data, filename="x.epub")


def test_archive_limits_cap_sizes_and_entries() -> None:
    small = ArchiveLimits(max_entries=3, max_entry_bytes=10_000, max_total_bytes=20_000)
    assert "holds" in rejection(SAMPLE_EPUB, filename="x.epub", limits=small)
    one_big = make_zip({"META-INF/container.xml": "x" * 20_000}, mimetype="application/epub+zip")
    assert "once unpacked" in rejection(one_big, filename="x.epub", limits=small)
    many = make_zip({f"f{i}.xml": "y" * 9_000 for i in range(3)})
    limits = ArchiveLimits(max_entry_bytes=10_000, max_total_bytes=20_000)
    assert "inflates to" in rejection(many, filename="x.docx", limits=limits)


# ---------------------------------------------------------- names and size


@pytest.mark.parametrize(
    "name", ["../evil.xhtml", "OEBPS/../../evil.xhtml", "/etc/passwd", "C:\\evil.xhtml"]
)
def test_unsafe_member_names_are_refused_and_nothing_is_written(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    buffer = io.BytesIO(SAMPLE_EPUB)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name), b"<p>x</p>")
    assert "unsafe name" in rejection(buffer.getvalue(), filename="x.epub")
    assert list(tmp_path.iterdir()) == []
    assert not (tmp_path.parent / "evil.xhtml").exists()


def test_a_50_mb_file_is_refused_by_size_before_parsing() -> None:
    data = b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024)
    started = time.monotonic()
    message = rejection(data, filename="huge.epub")
    assert "50.0 MB" in message and f"{MAX_IMPORT_BYTES // (1024 * 1024)}.0 MB" in message
    assert time.monotonic() - started < 2


# -------------------------------------------------------------- encodings


def test_invalid_utf8_inside_an_epub_is_refused() -> None:
    data = _rezip(SAMPLES["generic-epub"], {"OEBPS/text/c0.xhtml": b"<p>caf\xe9 \xff\xfe\x00</p>"})
    assert "not valid UTF-8" in rejection(data, filename="x.epub")


@pytest.mark.parametrize(
    "data",
    [b"<p>\xff\xfe\x00\x00junk</p>" * 10, b"<html>\x00\x01\x02\x03" * 50, b"\x81<p>x</p>"],
)
def test_undecodable_html_is_refused(data: bytes) -> None:
    assert rejection(data, filename="x.html")


def test_utf16_html_with_a_byte_order_mark_is_read() -> None:
    work = check("<p>Ünïcode text here.</p>".encode("utf-16"), filename="x.html")
    assert work is not None and "Ünïcode" in work.chapters[0].html


# ------------------------------------------------------------ deep markup


def test_deeply_nested_html_is_read_without_recursion_errors() -> None:
    data = ("<div>" * 100_000 + "<p>Deep text.</p>" + "</div>" * 100_000).encode()
    work = check(data, filename="deep.html")
    assert work is not None and "Deep text." in work.chapters[0].html


def test_unclosed_markup_does_not_swallow_the_story() -> None:
    work = check(b"<select><option>a<option>b</select><svg><path></svg><p>Story.</p>", fmt="html")
    assert work is not None and work.chapters[0].html == '<p id="p1">Story.</p>'


def test_hostile_strings_in_every_field_of_an_ao3_download() -> None:
    corpus = hostile_corpus()
    for start in range(0, len(corpus), 50):
        chunk = corpus[start : start + 50]
        markup = "".join(f"<p>{value}</p>" for value in chunk)
        data = ao3_download(
            summary=markup, notes=markup, chapters=[("Chapter 1", markup, markup, markup)]
        ).encode()
        check(data, filename="x.html")
        check(("<title>" + chunk[0] + "</title>" + markup).encode(), filename="x.html")
