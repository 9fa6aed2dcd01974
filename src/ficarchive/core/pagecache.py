"""The page cache: guests' work pages and listings served without running Django.

Most requests to an archive are guests reading a work or browsing a listing, and those pages
are the same for every guest. `PageCache` wraps the WSGI application (ficarchive/wsgi.py):

- A request is a *candidate* when it is a GET of a cacheable path (`CACHEABLE`: the home
  page, /works/, a tag's works, a work, a chapter, the entire work, the Fandoms and Languages
  pages) that carries no cookie but the CSRF cookie and the theme and text size
  (`ALLOWED_COOKIES`). Any other cookie (a session,
  the guest's reading preferences, kudos or flash messages) means the page may be personal:
  Django answers it as always. Members always carry a session, so their pages are never cached.
- A candidate's answer is looked up under its key: the host, scheme, path, query, theme and
  text size, and the *versions* the page depends on (`versions.py`): the whole archive's, the
  listings', and for a work's pages that work's. Every change that shows on such a page bumps
  one of them when its transaction commits (`core/invalidation.py`), so an edit, a chapter,
  kudos, a comment, a moderator's hide or a setting shows at once; old entries are never
  served again and age out. `MAX_AGE` is a backstop for what changes without a bump (hit
  counts, which grow with every first view of the day).
- On a miss Django renders the page. The candidate's forms carry `PLACEHOLDER` instead of a
  CSRF token (the `csrf_placeholder` context processor), so the stored page holds nothing of
  that visitor. An answer is stored only when it is a 200 that sets no cookie (a page that
  touched the session, left a message or made a real token does) and is not private.
- Every answer of a candidate, stored or fresh, gets the visitor's own token in place of the
  placeholder (masked, as Django does, from the visitor's CSRF cookie, or from a new one that
  the answer sets), so forms on cached pages post as on any other.
- A work page served from the cache still counts the guest's hit, once per reader per work
  per day (`works/hits.py`); the first view of the day of each reader is the only one that
  reaches the database.

Entries live in each process's memory (bounded by `FICARCHIVE_PAGE_CACHE_MB`, 64 by default);
the versions are shared between processes (a memory-mapped file on one machine, Redis when
the archive uses it), so a change made through any process, or `ficarchive` on the command
line, is seen by all at once. `FICARCHIVE_PAGE_CACHE=0` turns the cache off.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.middleware import csrf as django_csrf

from ficarchive.core import versions

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# The pages guests read most, and the work they belong to (group 1) if any.
CACHEABLE = re.compile(
    r"^/(?:works/(?:(\d+)/(?:full/|chapters/\d+/)?)?|tags/[^/]+/works/"
    r"|media/(?:[a-z-]+/fandoms/)?|languages/)?$",
    re.ASCII,
)
LISTING_SLOTS = (versions.ALL, versions.LISTINGS)
ALLOWED_COOKIES = frozenset({"theme", "text_size"})
CANDIDATE = "ficarchive.page_cache"  # the environ key that marks a candidate for Django
PLACEHOLDER = "ficarchive-csrf-0f3c9a7e51d24b6b"
PLACEHOLDER_BYTES = PLACEHOLDER.encode()
MAX_AGE = 300  # seconds an entry is used at most, for what changes without a version bump
MAX_QUERY = 1000  # longer query strings are answered by Django and not stored
STATUS_HEADER = "X-Page-Cache"


def csrf_placeholder(request: HttpRequest) -> dict[str, str]:
    """Context processor: on a candidate page, forms carry the placeholder, not a token."""
    if request.META.get(CANDIDATE):
        return {"csrf_token": PLACEHOLDER}
    return {}


@dataclass(frozen=True, slots=True)
class Entry:
    expires: float
    status: str
    headers: tuple[tuple[str, str], ...]  # all but Content-Length
    body: bytes
    has_forms: bool  # the body holds the CSRF placeholder

    @classmethod
    def of(cls, expires: float, status: str, headers: list[tuple[str, str]], body: bytes) -> Entry:
        kept = tuple(pair for pair in headers if pair[0].lower() != "content-length")
        return cls(expires, status, kept, body, PLACEHOLDER_BYTES in body)


class LocalStore:
    """A process's entries: least recently used first out, bounded by their bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, now: float) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry.expires < now:
                del self.entries[key]
                self.size -= len(entry.body)
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 8:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.size > self.max_bytes and self.entries:
                _, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0


# Random bytes to CSRF characters without bias: a byte below 248 (4 × 62) is a character,
# the few above are dropped. Django's get_random_string draws one character at a time, which
# costs more than the rest of an answer from the cache.
_CHARS = django_csrf.CSRF_ALLOWED_CHARS
_FIT = len(_CHARS) * (256 // len(_CHARS))
_TO_CHARS = bytes(ord(_CHARS[b % len(_CHARS)]) if b < _FIT else 0 for b in range(256))
_DROPPED = bytes(range(_FIT, 256))
# Django's masking: each secret character shifted by the mask's character at its place.
_SHIFTED = {
    (x, y): _CHARS[(i + j) % len(_CHARS)]
    for i, x in enumerate(_CHARS)
    for j, y in enumerate(_CHARS)
}


def _random_chars(count: int) -> str:
    out = ""
    while len(out) < count:
        out += os.urandom(count + 8).translate(_TO_CHARS, _DROPPED).decode()
    return out[:count]


def _masked(secret: str) -> str:
    """The secret masked for one page, as Django's get_token masks it (against BREACH): a
    random mask, then the secret shifted by it (Django's CSRF check unmasks it)."""
    mask = _random_chars(len(secret))
    return mask + "".join(map(_SHIFTED.__getitem__, zip(secret, mask, strict=True)))


class CsrfCookie:
    """The visitor's CSRF secret, and the cookie Django's CSRF middleware would set for a new
    one (its settings read once)."""

    def __init__(self) -> None:
        self.name: str = settings.CSRF_COOKIE_NAME
        self.age: int = settings.CSRF_COOKIE_AGE
        cookie: SimpleCookie = SimpleCookie()
        cookie[self.name] = "x"
        morsel = cookie[self.name]
        morsel["max-age"] = self.age
        morsel["path"] = settings.CSRF_COOKIE_PATH
        if settings.CSRF_COOKIE_DOMAIN:
            morsel["domain"] = settings.CSRF_COOKIE_DOMAIN
        if settings.CSRF_COOKIE_SECURE:
            morsel["secure"] = True
        if settings.CSRF_COOKIE_HTTPONLY:
            morsel["httponly"] = True
        if settings.CSRF_COOKIE_SAMESITE:
            morsel["samesite"] = settings.CSRF_COOKIE_SAMESITE
        self.attributes = morsel.OutputString().split(";", 1)[1]
        self._expires = (0, "")

    def secret(self, cookies: dict[str, str]) -> str | None:
        """The visitor's secret from their cookie, when it is one Django made."""
        return _valid_secret(cookies.get(self.name, ""))

    def set_cookie(self, secret: str) -> str:
        now = int(time.time())
        if self._expires[0] != now:
            expires = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + self.age))
            self._expires = (now, expires)
        return f"{self.name}={secret}; expires={self._expires[1]};{self.attributes}"

    def set_by(self, headers: list[tuple[str, str]]) -> str | None:
        """The secret an answer sets in its cookie, if it sets one."""
        prefix = self.name + "="
        for name, value in headers:
            value = value.lstrip()  # Django's Set-Cookie values start with a space
            if name.lower() == "set-cookie" and value.startswith(prefix):
                return _valid_secret(value[len(prefix) :].split(";", 1)[0])
        return None


def _valid_secret(value: str) -> str | None:
    if len(value) == django_csrf.CSRF_SECRET_LENGTH and all(c in _CHARS for c in value):
        return value
    return None


class PageCache:
    """WSGI middleware serving guests' cacheable pages from memory (see the module's text)."""

    def __init__(self, app: WSGIApp, *, max_bytes: int | None = None) -> None:
        self.app = app
        megabytes = getattr(settings, "PAGE_CACHE_MB", 64)
        self.store = LocalStore(max_bytes if max_bytes is not None else megabytes * 2**20)
        self.enabled: bool = getattr(settings, "PAGE_CACHE", True)
        self.hits = HitCounter()
        self.csrf = CsrfCookie()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not self.enabled or environ.get("REQUEST_METHOD") != "GET":
            return self.app(environ, start_response)
        path: str = environ.get("PATH_INFO", "")
        match = CACHEABLE.match(path)
        query: str = environ.get("QUERY_STRING", "")
        if match is None or len(query) > MAX_QUERY:
            return self.app(environ, start_response)
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        csrf_name = self.csrf.name
        if any(name not in ALLOWED_COOKIES and name != csrf_name for name in cookies):
            return self.app(environ, start_response)
        secret = self.csrf.secret(cookies)
        if csrf_name in cookies and secret is None:
            return self.app(environ, start_response)  # Django replaces a malformed cookie
        work_id = int(match.group(1)) if match.group(1) else None
        slots = LISTING_SLOTS if work_id is None else (versions.ALL, versions.work_slot(work_id))
        stamp = versions.store().read(slots)
        key = "\x1f".join(
            (
                environ.get("wsgi.url_scheme", "http"),
                environ.get("HTTP_HOST", ""),
                path,
                query,
                cookies.get("theme", ""),
                cookies.get("text_size", ""),
                stamp,
            )
        )
        now = time.monotonic()
        entry = self.store.get(key, now)
        if entry is not None:
            if work_id is not None:
                self.hits.count(environ, work_id)
            return self._answer(entry, secret, start_response, "hit")
        return self._render(environ, start_response, key, now, secret)

    def _render(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        key: str,
        now: float,
        secret: str | None,
    ) -> Iterable[bytes]:
        environ[CANDIDATE] = True
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            return lambda data: None  # Django never calls write()

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = captured
        if _storable(status, headers):
            entry = Entry.of(now + MAX_AGE, status, headers, body)
            self.store.put(key, entry)
            return self._answer(entry, secret, start_response, "miss")
        # Not stored, but its forms still carry the placeholder: the visitor's token goes in,
        # or the one Django made for this answer, if it made one.
        secret = self.csrf.set_by(headers) or secret
        return self._answer(Entry.of(0, status, headers, body), secret, start_response, "pass")

    def _answer(
        self, entry: Entry, secret: str | None, start_response: StartResponse, cache: str
    ) -> Iterable[bytes]:
        out = list(entry.headers)
        body = entry.body
        if entry.has_forms:
            if secret is None:
                secret = _random_chars(django_csrf.CSRF_SECRET_LENGTH)
                out.append(("Set-Cookie", self.csrf.set_cookie(secret)))
            body = body.replace(PLACEHOLDER_BYTES, _masked(secret).encode())
        out.append(("Content-Length", str(len(body))))
        out.append((STATUS_HEADER, cache))
        start_response(entry.status, out)
        return [body]


def _storable(status: str, headers: list[tuple[str, str]]) -> bool:
    """A page may be stored when it is a 200 that sets no cookie and is not private."""
    if not status.startswith("200"):
        return False
    for name, value in headers:
        lowered = name.lower()
        if lowered == "set-cookie":
            return False
        if lowered == "cache-control" and ("private" in value or "no-store" in value):
            return False
    return True


class HitCounter:
    """Counts a guest's hit on a work page served from the cache: the first view of the day
    of each reader goes to the database (works/hits.py), later ones are known here."""

    LIMIT = 200_000  # remembered views per process; forgotten all at once past it

    def __init__(self) -> None:
        self.seen: set[tuple[int, str, str, int]] = set()
        self.lock = threading.Lock()

    def count(self, environ: dict[str, Any], work_id: int) -> None:
        address: str = environ.get("REMOTE_ADDR", "")
        agent: str = environ.get("HTTP_USER_AGENT", "")
        mark = (work_id, address, agent, int(time.time() // 86400))  # the UTC day, as hits'
        if mark in self.seen:
            return
        with self.lock:
            if len(self.seen) >= self.LIMIT:
                self.seen.clear()
            self.seen.add(mark)
        from django.db import close_old_connections
        from django.utils import timezone

        from ficarchive.works.hits import count_guest_hit, guest_visitor_key

        try:
            count_guest_hit(work_id, guest_visitor_key(address, agent), timezone.now().date())
        finally:
            close_old_connections()


def wrap(app: WSGIApp) -> WSGIApp:
    """Return the application behind the page cache (or as it is when the cache is off)."""
    if not getattr(settings, "PAGE_CACHE", True):
        return app
    return PageCache(app)
