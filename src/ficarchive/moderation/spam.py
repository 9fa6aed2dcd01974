"""Spam checks: which comments wait for a moderator before they show.

`count_links` and `is_link_heavy` are pure; `needs_review` reads the account and settings.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ficarchive.accounts.models import User

# More than this many links in one comment is "link-heavy" ...
MAX_LINKS = 2
# ... for accounts younger than this many days (and for guests).
NEW_ACCOUNT_DAYS = 7

REVIEW_REASON = "Comments with several links from new accounts wait for a moderator."

# An http(s) URL, or a bare www. address not part of one.
_URL_RE = re.compile(r"https?://|(?<![/\w.])www\.", re.IGNORECASE)
# An <a> start tag (bounded, so hostile input cannot make the search slow) and its href.
_ANCHOR_RE = re.compile(r"<a\b([^<>]{0,2000})>", re.IGNORECASE)
_HREF_RE = re.compile(r"\bhref\s*=\s*[\"']?\s*([^\s\"'>]*)", re.IGNORECASE)
_HTTP_RE = re.compile(r"https?://", re.IGNORECASE)


def count_links(text: str) -> int:
    """Return how many links the text holds: http(s) URLs, bare www. addresses and <a href>
    elements (entities are decoded first, so &#104;ttp:// counts too)."""
    decoded = html.unescape(text)
    anchors = 0
    for attributes in _ANCHOR_RE.findall(decoded):
        href = _HREF_RE.search(attributes)
        # http(s) hrefs are counted as URLs already.
        if href is not None and not _HTTP_RE.match(href.group(1)):
            anchors += 1
    return len(_URL_RE.findall(decoded)) + anchors


def is_link_heavy(
    text: str,
    *,
    joined: datetime | None,
    now: datetime,
    max_links: int = MAX_LINKS,
    new_account_days: int = NEW_ACCOUNT_DAYS,
) -> bool:
    """Return True when the text has more than `max_links` links and the account joined less
    than `new_account_days` before `now` (joined None: a guest)."""
    if count_links(text) <= max_links:
        return False
    return joined is None or now - joined < timedelta(days=new_account_days)


def needs_review(*, user: User | AnonymousUser | None, text: str) -> str | None:
    """Return why a comment must wait for a moderator, or None if it may show at once."""
    from django.conf import settings
    from django.utils import timezone

    from ficarchive.site.roles import is_moderator

    if is_moderator(user):
        return None
    joined = user.date_joined if user is not None and user.is_authenticated else None
    heavy = is_link_heavy(
        text,
        joined=joined,
        now=timezone.now(),
        max_links=getattr(settings, "SPAM_MAX_LINKS", MAX_LINKS),
        new_account_days=getattr(settings, "SPAM_NEW_ACCOUNT_DAYS", NEW_ACCOUNT_DAYS),
    )
    return REVIEW_REASON if heavy else None
