"""Read a reader's preferences: members' from their `ReadingPreferences` row (kept in the cache,
so a page costs no query once it is there), guests' from the `reading` cookie.

Nothing a cookie holds is trusted: unknown keys, bad values and unknown time zones are
ignored, and the defaults stand."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest

from ficarchive.preferences.models import MAX_TIME_ZONE, ReadingPreferences

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ficarchive.accounts.models import User

GUEST_COOKIE = "reading"
MAX_COOKIE = 300  # characters of the cookie that are read
CACHE_SECONDS = 24 * 3600
FLAGS = ("show_adult_content", "hide_warnings", "hide_freeforms", "full_work")


@dataclass(frozen=True)
class ReaderPrefs:
    """One reader's choices. ``stamp`` changes whenever a member's choices change: it goes into
    the keys of whatever a listing caches per viewer."""

    show_adult_content: bool = False
    hide_warnings: bool = False
    hide_freeforms: bool = False
    full_work: bool = False
    time_zone: str = ""
    muted_tag_count: int = 0
    stamp: str = ""


DEFAULTS = ReaderPrefs()


@functools.cache
def time_zone_names() -> frozenset[str]:
    """Return every IANA time zone name this system knows."""
    return frozenset(zoneinfo.available_timezones())


def valid_time_zone(name: str) -> bool:
    return 0 < len(name) <= MAX_TIME_ZONE and name in time_zone_names()


def zone_of(name: str) -> zoneinfo.ZoneInfo | None:
    """Return the time zone named, or None for "" and for names that are no time zone."""
    if not valid_time_zone(name):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def prefs_from_cookie(raw: str) -> ReaderPrefs:
    """Return the preferences a guest's cookie holds; anything unknown or bad is ignored."""
    if not raw or len(raw) > MAX_COOKIE:
        return DEFAULTS
    values: dict[str, object] = {}
    for key, value in parse_qsl(raw, keep_blank_values=False, max_num_fields=10):
        if key in FLAGS and value in {"0", "1"}:
            values[key] = value == "1"
        elif key == "time_zone" and valid_time_zone(value):
            values[key] = value
    return replace(DEFAULTS, **values)  # type: ignore[arg-type]


def cookie_value(prefs: ReaderPrefs) -> str:
    """Return the cookie value that holds these preferences (only what differs from the
    defaults, so the defaults are an empty cookie)."""
    pairs = [(flag, "1") for flag in FLAGS if getattr(prefs, flag)]
    if prefs.time_zone:
        pairs.append(("time_zone", prefs.time_zone))
    return urlencode(pairs)


def _cache_key(user_id: int) -> str:
    return f"reader-prefs:{user_id}"


def prefs_of_row(row: ReadingPreferences | None) -> ReaderPrefs:
    if row is None:
        return DEFAULTS
    return ReaderPrefs(
        show_adult_content=row.show_adult_content,
        hide_warnings=row.hide_warnings,
        hide_freeforms=row.hide_freeforms,
        full_work=row.full_work,
        time_zone=row.time_zone if valid_time_zone(row.time_zone) else "",
        muted_tag_count=row.muted_tag_count,
        stamp=f"{row.updated_at.timestamp():.6f}" if row.updated_at else "",
    )


def _cache_is_shared() -> bool:
    """Whether every process sees the same cache (Redis), or there is one process (the test
    runner). A per-process memory cache under several gunicorn processes would keep a
    member's old preferences in the processes that did not save the new ones."""
    from django.conf import settings

    backend = str(settings.CACHES["default"]["BACKEND"])
    return "locmem" not in backend.lower() or bool(getattr(settings, "TESTING", False))


def member_prefs(user_id: int) -> ReaderPrefs:
    """Return a member's preferences: from the cache where it is shared, else from the
    database (one query)."""
    if not _cache_is_shared():
        return prefs_of_row(ReadingPreferences.objects.filter(user_id=user_id).first())
    cached = cache.get(_cache_key(user_id))
    if isinstance(cached, dict):
        try:
            return ReaderPrefs(**cached)
        except TypeError:  # an entry written by an older version
            pass
    prefs = prefs_of_row(ReadingPreferences.objects.filter(user_id=user_id).first())
    cache.set(_cache_key(user_id), asdict(prefs), CACHE_SECONDS)
    return prefs


def forget_member_prefs(user_id: int) -> None:
    """Drop a member's cached preferences now and again once the transaction that changed
    them commits (a request reading the old row in between may have cached it again)."""
    cache.delete(_cache_key(user_id))
    transaction.on_commit(lambda: cache.delete(_cache_key(user_id)))


def prefs_for_user(user: User | AnonymousUser | None) -> ReaderPrefs:
    if user is None or not user.is_authenticated:
        return DEFAULTS
    return member_prefs(user.pk)


def prefs_for(request: HttpRequest) -> ReaderPrefs:
    """Return the preferences of whoever sent the request (computed once per request)."""
    found = getattr(request, "_reader_prefs", None)
    if isinstance(found, ReaderPrefs):
        return found
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        prefs = member_prefs(user.pk)
    else:
        prefs = prefs_from_cookie(request.COOKIES.get(GUEST_COOKIE, ""))
    request._reader_prefs = prefs  # type: ignore[attr-defined]
    return prefs


# The adult content notice ------------------------------------------------------------------

# Ratings whose works open with the notice: AO3 counts Not Rated among them, since the
# creator chose not to say.
ADULT_RATINGS = frozenset({"mature", "explicit", "not-rated"})
ADULT_SESSION_KEY = "view_adult"
PROCEED_PARAM = "view_adult"


def needs_adult_notice(request: HttpRequest, rating: str, *, is_creator: bool) -> bool:
    """True when a work of this rating should first show the adult content notice to this
    reader: not to its creators, not to readers whose preference turns it off, not after
    Proceed in this session. A request with ``?view_adult=true`` is Proceed: it is
    remembered in the session and answers False."""
    if rating not in ADULT_RATINGS or is_creator:
        return False
    if prefs_for(request).show_adult_content:
        return False
    if request.GET.get(PROCEED_PARAM) == "true":
        request.session[ADULT_SESSION_KEY] = True
        return False
    return request.session.get(ADULT_SESSION_KEY) is not True
