"""Page-number pagination that never fails on a bad `page` parameter."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpRequest

PER_PAGE = 20


def paginate(request: HttpRequest, items: Any, per_page: int = PER_PAGE) -> tuple[Page[Any], str]:
    """Return the page of items named by ?page= and a message for the reader when the page
    asked for was not a number (page 1 is shown) or past the end (the last page is shown)."""
    paginator = Paginator(items, per_page)
    raw = request.GET.get("page", "1")
    try:
        return paginator.page(raw), ""
    except PageNotAnInteger:
        return paginator.page(1), f"“{raw[:20]}” is not a page number; showing page 1."
    except EmptyPage:
        last = paginator.num_pages
        return paginator.page(last), f"There is no page {raw[:20]}; showing page {last}, the last."
