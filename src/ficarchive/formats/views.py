"""Download views: a work's EPUB, HTML or TXT file, with exactly the reading page's access."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.views.decorators.http import require_safe

from ficarchive.formats.downloads import open_download, site_url
from ficarchive.formats.exporters import FORMATS
from ficarchive.works.views import NeedsLogin, readable_work

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._ -]+")
_SPACES = re.compile(r"[\s_]+")
FILENAME_MAX = 80


def ascii_filename(title: str, work_id: int, extension: str) -> str:
    """Return a filename any browser and file system takes: the title's ASCII letters, digits
    and a few separators ("work-12.epub" when none are left)."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    stem = _SPACES.sub("_", _UNSAFE_FILENAME.sub("", folded)).strip("._ -")[:FILENAME_MAX]
    return f"{stem or f'work-{work_id}'}.{extension}"


def content_disposition(title: str, work_id: int, extension: str) -> str:
    """Return an attachment header with the ASCII filename and the UTF-8 title (RFC 5987)."""
    fallback = ascii_filename(title, work_id, extension)
    stem = unicodedata.normalize("NFC", title).strip()[:FILENAME_MAX].replace("/", "_")
    utf8 = quote(f"{stem or f'work-{work_id}'}.{extension}", safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{utf8}"


@require_safe
def download(request: HttpRequest, work_id: int, fmt: str) -> HttpResponseBase:
    """Send the work's file in ``fmt``: posted chapters for readers, drafts too for creators."""
    export_format = FORMATS.get(fmt)
    if export_format is None:
        raise Http404("No such download format.")
    try:
        work = readable_work(request, work_id)
    except NeedsLogin:
        messages.info(request, "This work is only for registered users: log in to download it.")
        return redirect_to_login(request.get_full_path())
    include_drafts = work.is_created_by(request.user)
    if work.chapter_count == 0 and not include_drafts:
        raise Http404("This work has no chapters you can read yet.")
    file = open_download(work, fmt, include_drafts=include_drafts, site_url=site_url(request))
    response = FileResponse(file, content_type=export_format.content_type)
    response["Content-Disposition"] = content_disposition(
        work.title, work.pk, export_format.extension
    )
    # Readers' files of restricted works must not be kept by shared caches.
    response["Cache-Control"] = (
        "private, no-cache" if work.restricted or include_drafts else ("public, max-age=300")
    )
    return response
