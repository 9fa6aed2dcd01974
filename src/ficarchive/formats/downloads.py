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
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from ficarchive.core.env import private_dir
from ficarchive.formats.exporters import FORMATS, ExportChapter, ExportFormat, ExportWork
from ficarchive.tags.models import TagType
from ficarchive.works.models import Chapter, Rating, Work

# Bump when an exporter changes its output, so that cached files are made again.
EXPORT_VERSION = "2"


def downloads_dir() -> Path:
    return Path(settings.DATA_DIR) / "downloads"


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
        creators=[str(pseud) for pseud in work.creator_pseuds()],
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
    parts += [str(pseud) for pseud in work.creator_pseuds()]
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


def open_download(
    work: Work, fmt: str, *, include_drafts: bool, site_url: str | None = None
) -> BinaryIO:
    """Return an open binary file of the work's download in ``fmt``, made if not cached; its
    link back to the work starts with ``site_url`` (default: from settings). The site's
    address is part of the cached file's version, so a file made for one address is never
    served with another's link.

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
    return path.open("rb")


def delete_downloads(work_id: int) -> None:
    """Delete every cached download of the work."""
    shutil.rmtree(work_dir(work_id), ignore_errors=True)


def forget_deleted_work(sender: type[Work], instance: Work, **kwargs: object) -> None:
    """post_delete receiver: delete the work's cached files once the deletion is committed."""
    work_id = instance.pk
    transaction.on_commit(lambda: delete_downloads(work_id))
