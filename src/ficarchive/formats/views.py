"""Download views: a work's EPUB, HTML, TXT or PDF file, with exactly the reading page's access.

Files are built by the worker (formats/downloads.py). A request never builds one: when the
file of the work's current version is not there yet, it queues its build and answers at once
with 202 Accepted and ``Retry-After``: a page that refreshes itself (``<meta
http-equiv=refresh>``, no script) for browsers, a short plain-text message for scripts and
e-reader apps (any client whose Accept header does not ask for HTML)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ficarchive.formats.downloads import open_cached, remember_site_url, request_build, site_url
from ficarchive.formats.exporters import FORMATS, ExportFormat
from ficarchive.works.models import Work
from ficarchive.works.views import NeedsLogin, readable_work

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._ -]+")
_SPACES = re.compile(r"[\s_]+")
FILENAME_MAX = 80
# Seconds a client is asked to wait before asking again for a file being prepared.
RETRY_AFTER = {"pdf": 5}
RETRY_AFTER_DEFAULT = 2


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
    base = site_url(request)
    if not getattr(settings, "SITE_URL", ""):
        remember_site_url(base)  # the worker builds the next version's files for it
    file = open_cached(work, fmt, include_drafts=include_drafts, site_url=base)
    if file is None:
        request_build(work, fmt, include_drafts=include_drafts, site_url=base)
        return preparing(request, work, export_format)
    response = FileResponse(file, content_type=export_format.content_type)
    response["Content-Disposition"] = content_disposition(
        work.title, work.pk, export_format.extension
    )
    # Readers' files of restricted works must not be kept by shared caches.
    response["Cache-Control"] = (
        "private, no-cache" if work.restricted or include_drafts else ("public, max-age=300")
    )
    return response


def wants_html(request: HttpRequest) -> bool:
    """Return True when the client asks for HTML by name (a browser), not only ``*/*``."""
    accept = request.headers.get("Accept", "").lower()
    return "text/html" in accept or "application/xhtml+xml" in accept


def preparing(request: HttpRequest, work: Work, export_format: ExportFormat) -> HttpResponse:
    """Return 202 Accepted with Retry-After: the file is queued and not ready yet."""
    retry_after = RETRY_AFTER.get(export_format.name, RETRY_AFTER_DEFAULT)
    if wants_html(request):
        context = {"work": work, "format": export_format, "retry_after": retry_after}
        response = render(request, "formats/preparing.html", context, status=202)
    else:
        message = (
            f"The {export_format.label} file of work {work.pk} is being prepared. "
            f"Ask again in {retry_after} seconds.\n"
        )
        response = HttpResponse(message, status=202, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
