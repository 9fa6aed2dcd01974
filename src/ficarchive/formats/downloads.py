"""Download files: build the exporters' data from the models, and cache the files on disk.

Files live in ``DATA_DIR/downloads/<work id>/<format>-<audience>-<version>.<ext>``. The
version is a hash of what the file shows that can change without the file being rebuilt:
``Work.revised_at`` (saved by every work and chapter action), the tags' and creators' names
and their order (wrangling and pseud renames do not touch the work), the site's address (the
file's link back to the work: ``SITE_URL``, or the request's) and the exporters' own version. The
audience is ``posted`` (what readers get) or ``drafts`` (what creators get). A file is written
once per version, atomically (temporary file + ``os.replace``), so concurrent requests never
see half a file; writing a new version deletes the older ones, and deleting the work deletes
its folder.

Files are built by the worker, never in a request (a PDF of a long novel takes seconds):
:func:`schedule_builds` (a ``post_save`` receiver of ``Work``, connected in ``apps.py``) queues
the readers' files of a changed work once its transaction commits, and a request that finds
its file missing queues it (:func:`request_build`) and answers "being prepared" at once
(``formats.views``). A marker file ``.pending-<file name>`` beside the files stops repeated
requests from queueing the same build again while it waits (for ``PENDING_SECONDS``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from ficarchive.core.env import private_dir
from ficarchive.formats.exporters import FORMATS, ExportChapter, ExportFormat, ExportWork
from ficarchive.gifts.queries import shown_gifts
from ficarchive.tags.models import TagType
from ficarchive.works.models import Chapter, Rating, Status, Work

logger = logging.getLogger(__name__)

# Bump when an exporter changes its output, so that cached files are made again.
EXPORT_VERSION = "3"  # 3: PDF by Typst
# A build queued this long ago and still not done is queued again by the next request (its
# task was lost, or the queue is long).
PENDING_SECONDS = 300
# The order the worker builds a changed work's files in: the quick ones first.
BUILD_ORDER = ("txt", "html", "epub", "pdf")
# Task priorities (django-tasks: higher runs first; other tasks run at 0): a reader waiting
# for a file comes before everything, the files of a work just changed after everything.
PRIORITY_REQUESTED = 10
PRIORITY_CHANGED = -10


def downloads_dir() -> Path:
    """Return the folder of cached files: ``FICARCHIVE_DOWNLOADS_DIR``, else
    ``DATA_DIR/downloads``. Workers write it and app servers read it, so with several
    machines it must be a folder they share."""
    configured = str(getattr(settings, "DOWNLOADS_DIR", "") or "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "downloads"


def work_dir(work_id: int) -> Path:
    return downloads_dir() / str(work_id)


def _names(work: Work, tag_type: str) -> list[str]:
    """Return the names of the work's tags of one type in the writer's order."""
    return [t.name for t in work.tags_of(tag_type)]


def site_url(request: HttpRequest | None = None) -> str:
    """Return the site's address for links back to a work in its files: ``SITE_URL`` when
    configured, else the address the request came to (its host is checked against
    ALLOWED_HOSTS), else "" (a file built by the worker or the CLI then names the path)."""
    configured = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if configured or request is None:
        return configured
    return request.build_absolute_uri("/").rstrip("/")


def export_document(work: Work, *, include_drafts: bool, site_url: str | None = None) -> ExportWork:
    """Return the work as exporters read it: posted chapters, or all with ``include_drafts``;
    its link back to the work starts with ``site_url`` (default: `site_url()`, from settings).

    ``work`` should come from ``Work.objects.for_listing()`` (tags and creators prefetched);
    then this makes one query, for the chapters."""
    chapters = Chapter.objects.filter(work=work).order_by("position")
    if not include_drafts:
        chapters = chapters.posted()
    return ExportWork(
        work_id=work.pk,
        site_name=settings.SITE_NAME,
        site_url=_site_url(site_url),
        title=work.title,
        creators=["Anonymous"] if work.anonymous else [str(p) for p in work.creator_pseuds()],
        recipients=[gift.display_name for gift in shown_gifts(work)],
        rating=Rating(work.rating).label,
        language=work.language,
        language_name=work.language_name,
        modified=work.revised_at,
        published=work.published_at,
        updated=work.updated_at,
        warnings=_names(work, TagType.WARNING),
        categories=_names(work, TagType.CATEGORY),
        fandoms=_names(work, TagType.FANDOM),
        relationships=_names(work, TagType.RELATIONSHIP),
        characters=_names(work, TagType.CHARACTER),
        freeforms=_names(work, TagType.FREEFORM),
        summary_html=work.summary_html,
        notes_html=work.notes_html,
        end_notes_html=work.end_notes_html,
        words=work.word_count,
        chapters_label=work.chapters_label,
        complete=work.complete,
        draft=work.is_draft,
        chapters=[
            ExportChapter(
                number=number,
                title=chapter.title,
                html=chapter.html,
                summary_html=chapter.summary_html,
                notes_html=chapter.notes_html,
                end_notes_html=chapter.end_notes_html,
                draft=not chapter.posted,
            )
            for number, chapter in enumerate(chapters, start=1)
        ],
    )


def _site_url(given: str | None) -> str:
    return site_url() if given is None else given.rstrip("/")


def _remembered_path() -> Path:
    return downloads_dir() / ".site-url"


_remembered: dict[str, str] = {}


def remember_site_url(url: str) -> None:
    """Keep the address readers download from, for the worker's builds after a change when
    ``SITE_URL`` is not configured (the files' links, and so their names, depend on it)."""
    data_dir = str(downloads_dir())
    if _remembered.get(data_dir) == url:
        return
    try:
        if _remembered_path().read_text(encoding="utf-8") != url:
            _write_atomically(_remembered_path(), url.encode("utf-8"))
    except FileNotFoundError:
        _write_atomically(_remembered_path(), url.encode("utf-8"))
    _remembered[data_dir] = url


def build_site_url() -> str:
    """Return the address the worker builds readers' files for after a change:
    ``SITE_URL``, else the address readers last downloaded from, else ""."""
    configured = site_url()
    if configured:
        return configured
    try:
        return _remembered_path().read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def export_bytes(
    work: Work, fmt: str, *, include_drafts: bool, site_url: str | None = None
) -> bytes:
    """Return the download file of ``work`` in format ``fmt`` (a key of FORMATS), uncached."""
    document = export_document(work, include_drafts=include_drafts, site_url=site_url)
    return FORMATS[fmt].export(document)


def version_key(work: Work, *, site_url: str = "") -> str:
    """Return a short hash that changes whenever the work's download files would change."""
    parts = [EXPORT_VERSION, settings.SITE_NAME, site_url, work.revised_at.isoformat()]
    # In the writer's order: reordering the tags changes the files.
    parts += [f"{t.pk}:{t.type}:{t.name}" for t in work.ordered_tags()]
    parts += ["anonymous"] if work.anonymous else [str(p) for p in work.creator_pseuds()]
    parts += [f"for:{gift.display_name}" for gift in shown_gifts(work)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


def cache_path(work: Work, fmt: ExportFormat, *, include_drafts: bool, site_url: str = "") -> Path:
    audience = "drafts" if include_drafts else "posted"
    name = f"{fmt.name}-{audience}-{version_key(work, site_url=site_url)}.{fmt.extension}"
    return work_dir(work.pk) / name


def _write_atomically(path: Path, data: bytes) -> None:
    # Folders 0700 and files 0600 (mkstemp's mode), whatever the umask: creators' drafts
    # are cached here too.
    private_dir(downloads_dir())
    private_dir(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_older_versions(path: Path) -> None:
    """Delete this format's and audience's files of other versions (a stale cache)."""
    prefix = path.name.rsplit("-", 1)[0] + "-"
    for other in path.parent.glob(f"{prefix}*"):
        if other.name != path.name:
            other.unlink(missing_ok=True)


def open_cached(
    work: Work, fmt: str, *, include_drafts: bool, site_url: str | None = None
) -> BinaryIO | None:
    """Return the work's download in ``fmt`` for its current version, opened, or None when
    it has not been built yet. Never a file of an older version.

    ``work`` should come from ``Work.objects.for_listing()``: this then costs no query."""
    path = cache_path(
        work, FORMATS[fmt], include_drafts=include_drafts, site_url=_site_url(site_url)
    )
    try:
        return path.open("rb")
    except FileNotFoundError:
        return None


def open_download(
    work: Work, fmt: str, *, include_drafts: bool, site_url: str | None = None
) -> BinaryIO:
    """Return an open binary file of the work's download in ``fmt``, built now if missing
    (the worker's way; requests use :func:`open_cached`); its link back to the work starts
    with ``site_url`` (default: from settings). The site's address is part of the cached
    file's version, so a file made for one address is never served with another's link.

    ``work`` should come from ``Work.objects.for_listing()``: a cached file then costs no
    query at all, and a new one costs one."""
    base = _site_url(site_url)
    path = cache_path(work, FORMATS[fmt], include_drafts=include_drafts, site_url=base)
    for _ in range(3):
        try:
            return path.open("rb")
        except FileNotFoundError:
            data = export_bytes(work, fmt, include_drafts=include_drafts, site_url=base)
            _write_atomically(path, data)
            _remove_older_versions(path)
            _marker(path).unlink(missing_ok=True)
    return path.open("rb")


def _marker(path: Path) -> Path:
    return path.parent / f".pending-{path.name}"


def _claim_marker(marker: Path) -> bool:
    """Create ``marker``; return False if a fresh one is there already (a build is queued)."""
    private_dir(downloads_dir())
    private_dir(marker.parent)
    for _ in range(2):
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return True
        except FileExistsError:
            try:
                age = time.time() - marker.stat().st_mtime
            except FileNotFoundError:
                continue
            if age < PENDING_SECONDS:
                return False
            marker.unlink(missing_ok=True)
    return False


def request_build(
    work: Work, fmt: str, *, include_drafts: bool, site_url: str | None = None
) -> bool:
    """Queue the build of the work's file in ``fmt`` for a reader who asked for it, unless
    one is queued already. Returns True if this call queued it."""
    from ficarchive.formats.tasks import build_download

    base = _site_url(site_url)
    path = cache_path(work, FORMATS[fmt], include_drafts=include_drafts, site_url=base)
    if not _claim_marker(_marker(path)):
        return False
    build_download.using(priority=PRIORITY_REQUESTED).enqueue(
        work.pk, fmt, include_drafts=include_drafts, site_url=base
    )
    return True


def build_file(work_id: int, fmt: str, *, include_drafts: bool, site_url: str) -> bool:
    """Build the work's file in ``fmt`` for its current version if it is missing (the
    worker's task). Readers' files are built only for posted works they can see. Returns
    True if a file was written."""
    work = Work.objects.for_listing().filter(pk=work_id).first()
    if work is None or fmt not in FORMATS:
        return False
    if not include_drafts and (
        work.status != Status.POSTED or work.hidden or work.chapter_count == 0
    ):
        return False
    path = cache_path(work, FORMATS[fmt], include_drafts=include_drafts, site_url=site_url)
    if path.exists():
        _marker(path).unlink(missing_ok=True)
        return False
    started = time.perf_counter()
    data = export_bytes(work, fmt, include_drafts=include_drafts, site_url=site_url)
    _write_atomically(path, data)
    _remove_older_versions(path)
    _marker(path).unlink(missing_ok=True)
    logger.info(
        "Built %s of work %s (%d bytes) in %.1f s.",
        path.name,
        work_id,
        len(data),
        time.perf_counter() - started,
    )
    return True


class _BuildAfterCommit:
    """The on-commit callback that queues a changed work's files; equal for the same work,
    so that a transaction saving a work several times queues its builds once."""

    def __init__(self, work_id: int) -> None:
        self.work_id = work_id
        self.done = False  # run (tests run callbacks without committing)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _BuildAfterCommit) and other.work_id == self.work_id

    def __hash__(self) -> int:
        return hash(("build-downloads", self.work_id))

    def __call__(self) -> None:
        from ficarchive.formats.tasks import build_download

        self.done = True
        url = build_site_url()
        queue = build_download.using(priority=PRIORITY_CHANGED)
        for fmt in BUILD_ORDER:
            if fmt in FORMATS:
                queue.enqueue(self.work_id, fmt, include_drafts=False, site_url=url)


def schedule_builds(
    sender: type[Work],
    instance: Work,
    *,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    """post_save receiver of Work, the one place that starts builds after a change: every
    action that changes what a work's files show saves the work's ``revised_at``. Queues
    the readers' files of the work (each format) once the transaction commits; the task
    skips what is built already, drafts and hidden works. Saves of other fields (counters)
    and fixtures (``raw``) queue nothing."""
    if raw or (update_fields is not None and "revised_at" not in update_fields):
        return
    if instance.status != Status.POSTED:
        return
    callback = _BuildAfterCommit(instance.pk)
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        registered == callback and not registered.done
        for _, registered, *_ in connection.run_on_commit
    ):
        return
    transaction.on_commit(callback)


def delete_downloads(work_id: int) -> None:
    """Delete every cached download of the work."""
    shutil.rmtree(work_dir(work_id), ignore_errors=True)


def forget_deleted_work(sender: type[Work], instance: Work, **kwargs: object) -> None:
    """post_delete receiver: delete the work's cached files once the deletion is committed."""
    work_id = instance.pk
    transaction.on_commit(lambda: delete_downloads(work_id))
