"""Download files are built by the worker: a posted or changed work queues its builds once its
transaction commits, a request for a file not built yet is answered at once (a refreshing page
for browsers, 202 with Retry-After for scripts) and queues it, a changed work never serves its
old file, and the PDF (Typst) holds CJK text, page numbers and a contents list."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from ficarchive.accounts.models import User
from ficarchive.formats import downloads
from ficarchive.formats.exporters import FORMATS, ExportChapter, ExportWork
from ficarchive.formats.exporters.pdf import export_pdf, typst_source
from ficarchive.formats.exporters.typesetting import html_blocks, text
from ficarchive.works.actions import (
    ChapterInput,
    WorkInput,
    add_chapter,
    update_chapter,
    update_work,
)
from ficarchive.works.models import Chapter, Work
from tests.ci import skip_or_fail
from tests.conftest import client_for, commits, make_work
from tests.downloads import BUILD_TASK, run_queued_builds

pytestmark = pytest.mark.django_db
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
OPDS_CLIENT = "application/atom+xml,application/epub+zip;q=0.9,*/*;q=0.5"


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path / "data"


def queued() -> list[tuple[list[Any], dict[str, Any], int]]:
    """Return the queued builds: (args, kwargs, priority), oldest first."""
    rows = DBTaskResult.objects.filter(task_path=BUILD_TASK, status=TaskResultStatus.READY)
    return [
        (row.args_kwargs["args"], row.args_kwargs["kwargs"], row.priority)
        for row in rows.order_by("enqueued_at", "pk")
    ]


def url(work: Work, fmt: str) -> str:
    return f"/works/{work.pk}/download/{fmt}/"


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_posting_a_work_queues_each_format_once_after_the_commit(
    author: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        work = make_work(author)  # post_work saves the work more than once
    assert [(args, priority) for args, _, priority in queued()] == [
        ([work.pk, fmt], downloads.PRIORITY_CHANGED)
        for fmt in downloads.BUILD_ORDER
        if fmt in FORMATS
    ]
    assert all(kwargs == {"include_drafts": False, "site_url": ""} for _, kwargs, _ in queued())


def test_changing_a_work_queues_its_builds_again(
    author: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        work = make_work(author)
    assert queued() == []  # nothing is queued before the commit
    for callback in callbacks:  # the commit (the page cache's bumps run among them)
        callback()
    assert len(queued()) == len(FORMATS)
    chapter = Chapter.objects.get(work=work)
    with django_capture_on_commit_callbacks(execute=True):
        update_chapter(author, chapter, ChapterInput(text="It snowed.", text_format="text"))
    assert len(queued()) == 2 * len(FORMATS)
    with django_capture_on_commit_callbacks(execute=True):
        add_chapter(author, work, ChapterInput(text="Two.", text_format="text"))
    assert len(queued()) == 3 * len(FORMATS)


def test_saving_only_counters_or_a_draft_queues_nothing(
    author: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    work = make_work(author)
    draft = make_work(author, "Unposted", draft=True, fandoms=())
    with django_capture_on_commit_callbacks(execute=True):
        work.hit_count = 5
        work.save(update_fields=["hit_count"])
        draft.save()
    assert queued() == []


def test_the_worker_builds_the_files_of_a_posted_work(
    author: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, settings: Any
) -> None:
    # Files link back to the work: with FICARCHIVE_SITE_URL set, the worker builds them for
    # the address readers use (without it, for the one they last downloaded from).
    settings.SITE_URL = "http://testserver"
    with django_capture_on_commit_callbacks(execute=True):
        work = make_work(author)
    assert run_queued_builds() == len(FORMATS)
    for fmt in FORMATS:
        response = client_for(None).get(url(work, fmt))
        assert response.status_code == 200, fmt
        assert response["Content-Type"] == FORMATS[fmt].content_type
    assert b"It rained under the dome." in body(client_for(None).get(url(work, "txt")))


@commits
def test_django_tasks_worker_runs_the_queued_builds(author: User, settings: Any) -> None:
    settings.SITE_URL = "http://testserver"
    # Real commits: the on-commit hook queues, the database worker (what `ficarchive worker`
    # runs) claims and runs each task.
    work = make_work(author)
    assert len(queued()) == len(FORMATS)
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    worker.run()
    assert queued() == []
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == len(FORMATS)
    response = Client().get(url(work, "epub"))
    assert response.status_code == 200


def test_a_browser_gets_a_page_that_refreshes_itself_until_the_file_is_ready(
    author: User,
) -> None:
    work = make_work(author)
    client = client_for(None)
    response = client.get(url(work, "epub"), headers={"Accept": BROWSER})
    assert response.status_code == 202
    assert response["Retry-After"] == "2"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "is being prepared" in page
    assert [(args, priority) for args, _, priority in queued()] == [
        ([work.pk, "epub"], downloads.PRIORITY_REQUESTED)
    ]
    # Refreshing while the build waits queues nothing more.
    assert client.get(url(work, "epub"), headers={"Accept": BROWSER}).status_code == 202
    assert len(queued()) == 1
    run_queued_builds()
    response = client.get(url(work, "epub"), headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert body(response).startswith(b"PK")


@pytest.mark.parametrize("accept", [None, "*/*", OPDS_CLIENT, "application/epub+zip"])
def test_scripts_and_e_readers_get_202_with_retry_after(author: User, accept: str | None) -> None:
    work = make_work(author)
    headers = {"Accept": accept} if accept else {}
    response = client_for(None).get(url(work, "txt"), headers=headers)
    assert response.status_code == 202
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert int(response["Retry-After"]) > 0
    assert b"being prepared" in response.content
    run_queued_builds()
    response = client_for(None).get(url(work, "txt"), headers=headers)
    assert response.status_code == 200
    assert b"It rained under the dome." in body(response)


def test_a_changed_work_never_serves_its_old_file(author: User, data_dir: Path) -> None:
    work = make_work(author)
    client = client_for(None)
    client.get(url(work, "txt"))
    run_queued_builds()
    assert b"It rained under the dome." in body(client.get(url(work, "txt")))

    chapter = Chapter.objects.get(work=work)
    update_chapter(author, chapter, ChapterInput(text="It snowed instead.", text_format="text"))
    response = client.get(url(work, "txt"))
    assert response.status_code == 202  # the old file is there, but it is not this version
    run_queued_builds()
    text_now = body(client.get(url(work, "txt")))
    assert b"It snowed instead." in text_now and b"It rained" not in text_now
    files = [p.name for p in (data_dir / "downloads" / str(work.pk)).glob("txt-*")]
    assert len(files) == 1  # the old version's file is gone


def test_a_retitled_work_is_prepared_again(author: User, reader: User) -> None:
    work = make_work(author)
    client_for(reader).get(url(work, "html"))
    run_queued_builds()
    data = WorkInput(
        title="A New Title",
        fandoms=["Cowboy Bebop"],
        warnings=["No Archive Warnings Apply"],
        rating="general",
        text_format="text",
    )
    update_work(author, work, data)
    response = client_for(reader).get(url(work, "html"))
    assert response.status_code == 202


def test_creators_drafts_are_built_on_request_for_them_only(author: User, reader: User) -> None:
    work = make_work(author, "Unfinished", draft=True, fandoms=())
    assert client_for(reader).get(url(work, "txt")).status_code == 404
    assert client_for(None).get(url(work, "txt")).status_code == 404
    assert queued() == []
    response = client_for(author).get(url(work, "txt"))
    assert response.status_code == 202
    [(_, kwargs, _)] = queued()
    assert kwargs["include_drafts"] is True
    run_queued_builds()
    response = client_for(author).get(url(work, "txt"))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert b"This is a draft" in body(response)


def test_a_build_for_a_work_hidden_or_deleted_meanwhile_does_nothing(author: User) -> None:
    work = make_work(author)
    Work.objects.filter(pk=work.pk).update(hidden=True)
    assert downloads.build_file(work.pk, "txt", include_drafts=False, site_url="") is False
    assert downloads.build_file(10**9, "txt", include_drafts=False, site_url="") is False


def test_the_address_readers_use_is_kept_for_the_next_builds(
    author: User, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    work = make_work(author)
    client_for(None).get(url(work, "txt"), headers={"Host": "testserver"})
    assert downloads.build_site_url() == "http://testserver"
    with django_capture_on_commit_callbacks(execute=True):
        update_chapter(
            author, Chapter.objects.get(work=work), ChapterInput(text="B.", text_format="text")
        )
    assert queued()[-1][1]["site_url"] == "http://testserver"


# --- PDF --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def poppler() -> tuple[str, str]:
    """Return pdftotext's and pdfinfo's paths; skip locally without them, fail in CI."""
    pdftotext, pdfinfo = shutil.which("pdftotext"), shutil.which("pdfinfo")
    if pdftotext is None or pdfinfo is None or "pdf" not in FORMATS:
        skip_or_fail("PDF export or poppler-utils unavailable (apt-get install poppler-utils)")
    assert pdftotext is not None and pdfinfo is not None
    return pdftotext, pdfinfo


def _page_texts(pdftotext: str, pdfinfo: str, pdf: Path) -> list[str]:
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, timeout=60, check=True)
    pages = int(next(li for li in info.stdout.decode().splitlines() if li.startswith("Pages:"))[6:])
    return [
        subprocess.run(
            [pdftotext, "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
            capture_output=True,
            timeout=60,
            check=True,
        ).stdout.decode("utf-8")
        for n in range(1, pages + 1)
    ]


def test_the_pdf_has_cjk_text_page_numbers_and_contents(
    poppler: tuple[str, str], author: User, tmp_path: Path
) -> None:
    work = make_work(author, "雨の日")
    long_text = "\n\n".join(f"雨が降った。Paragraph {n} of the second chapter." for n in range(60))
    add_chapter(author, work, ChapterInput(text=long_text, text_format="text", title="二番目"))
    add_chapter(author, work, ChapterInput(text="The end.", text_format="text", title="終わり"))
    client = client_for(None)
    client.get(url(work, "pdf"))
    run_queued_builds()
    response = client.get(url(work, "pdf"))
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "work.pdf"
    pdf.write_bytes(body(response))
    pages = _page_texts(*poppler, pdf)
    assert len(pages) >= 5
    # Every page carries its number at the foot.
    for number, page in enumerate(pages, start=1):
        assert page.strip().splitlines()[-1].strip() == str(number), (number, page)
    whole = "\n".join(pages)
    assert "雨の日" in whole and "雨が降った。Paragraph 59 of the second chapter." in whole
    # The contents list names each chapter with the page it starts on.
    contents = next(page for page in pages if "Contents" in page)
    starts = {}
    for title in ("Chapter 1", "Chapter 2: 二番目", "Chapter 3: 終わり"):
        line = next(li for li in contents.splitlines() if title in li)
        starts[title] = int(line.split()[-1].strip("\u2060"))
        assert title in pages[starts[title] - 1]
    assert starts["Chapter 1"] < starts["Chapter 2: 二番目"] < starts["Chapter 3: 終わり"]


def test_typst_markup_escapes_everything_a_writer_types() -> None:
    assert text("#set page(width: 1pt) *bold* $x$ <a> @ref // c") == (
        r"\#set page(width\: 1pt) \*bold\* \$x\$ \<a\> \@ref \/\/ c"
    )
    markup = html_blocks('<p>a</p><p class="align-center">b <em>c</em></p><hr><ul><li>i</li></ul>')
    assert markup.startswith("a\n\n#align(center)[b #emph[c];];")
    assert "#list([i]);" in markup


def test_a_pdf_is_made_without_any_named_font(
    monkeypatch: pytest.MonkeyPatch, poppler: tuple[str, str], tmp_path: Path
) -> None:
    # A machine without the Noto packages: Typst skips the missing families and still makes
    # the file with the fonts built into it.
    from ficarchive.formats.exporters import pdf as pdf_module
    from tests.test_downloads import CHAPTER_TEXTS

    monkeypatch.setattr(pdf_module, "font_families", lambda language: ["No Such Font"])
    document = ExportWork(
        work_id=1,
        site_name="ficarchive",
        title="Fallback",
        creators=["author"],
        rating="General Audiences",
        language="en",
        language_name="English",
        modified=timezone.now(),
        chapters=[ExportChapter(number=1, title="One", html=CHAPTER_TEXTS[2])],
    )
    assert "No Such Font" in typst_source(document)
    data = export_pdf(document)
    assert data.startswith(b"%PDF-")
    (tmp_path / "f.pdf").write_bytes(data)
    assert "Third chapter, the last one" in "".join(_page_texts(*poppler, tmp_path / "f.pdf"))
