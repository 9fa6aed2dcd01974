from __future__ import annotations

from django.http import HttpRequest

from ficarchive.core.display import current_display
from ficarchive.core.middleware import TEXT_SIZES, THEMES
from ficarchive.site.conf import for_request


def site(request: HttpRequest) -> dict[str, object]:
    """Return what every page's layout needs: the archive's settings and name (not `site` and
    `site_name`, which Django's log-in and password views set to the host), and the reader's
    display preferences."""
    prefs = getattr(request, "reader_prefs", {"theme": "", "text_size": "medium"})
    config = for_request(request)
    return {
        "archive": config,
        "archive_name": config.name,
        "reader_prefs": prefs,
        "themes": THEMES,
        "text_sizes": TEXT_SIZES,
        # What the reader hides on blurbs and work pages (reading preferences).
        "display": current_display(),
    }
