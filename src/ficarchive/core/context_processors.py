from __future__ import annotations

from django.http import HttpRequest

from ficarchive.core.display import current_display
from ficarchive.core.middleware import TEXT_SIZES, THEMES
from ficarchive.site.conf import for_request


def site(request: HttpRequest) -> dict[str, object]:
    """Return what every page's layout needs: site name and the reader's display preferences."""
    prefs = getattr(request, "reader_prefs", {"theme": "", "text_size": "medium"})
    config = for_request(request)
    return {
        "site": config,
        "site_name": config.name,
        "reader_prefs": prefs,
        "themes": THEMES,
        "text_sizes": TEXT_SIZES,
        # What the reader hides on blurbs and work pages (reading preferences).
        "display": current_display(),
    }
