"""Background tasks of the formats app (run by `ficarchive worker`): building download files."""

from __future__ import annotations

from django_tasks import task

from ficarchive.formats.downloads import build_file


@task()
def build_download(
    work_id: int, fmt: str, include_drafts: bool = False, site_url: str = ""
) -> bool:
    """Build one download file of a work for its current version, if it is missing. Safe to
    run again, and for a work changed or deleted since it was queued (nothing to do then).
    Returns True if this run wrote the file."""
    return build_file(work_id, fmt, include_drafts=include_drafts, site_url=site_url)
