"""The site settings as every request reads them: one frozen object, cached.

The cache holds the settings under a key made of the row's random `token`; a short-lived
"current token" key says which one is current. A change writes a new token and sets that key,
so with a shared cache (Redis) every server sees the change at once; with the per-process
cache each process re-reads the token from the database at most every
SITE_SETTINGS_SECONDS (5 by default). A request reads it once (`for_request`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from ficarchive.core import versions
from ficarchive.site.models import (
    DEFAULT_VERSIONS_KEPT,
    SignupMode,
    SiteSettings,
    TermsKind,
    TermsVersion,
)

TOKEN_KEY = "site-settings:token"  # noqa: S105 (a cache key, no secret)
CONFIG_KEY = "site-settings:{}"
_REQUEST_ATTRIBUTE = "_ficarchive_site_config"


@dataclass(frozen=True)
class TermsRef:
    """Which version of a terms page is current (and which comes next, if one is set for a
    later date)."""

    current_id: int | None = None
    current_number: int = 0
    next_id: int | None = None
    next_number: int = 0
    next_at: datetime | None = None

    def in_force(self, now: datetime | None = None) -> tuple[int | None, int]:
        """Return the id and number of the version in force now."""
        if self.next_id is not None and self.next_at and self.next_at <= (now or timezone.now()):
            return self.next_id, self.next_number
        return self.current_id, self.current_number


@dataclass(frozen=True)
class SiteConfig:
    token: str = ""
    archive_name: str = ""
    notice: str = ""
    signup_mode: str = SignupMode.OPEN
    guest_comments: bool = True
    guest_kudos: bool = True
    invitations_per_day: int = 0
    invitation_days: int = 14
    throwaway_domains: frozenset[str] = field(default_factory=frozenset)
    chapter_versions_kept: int = DEFAULT_VERSIONS_KEPT
    tos: TermsRef = field(default_factory=TermsRef)
    privacy: TermsRef = field(default_factory=TermsRef)

    @property
    def name(self) -> str:
        """The archive's name: the one staff set, else FICARCHIVE_SITE_NAME."""
        return self.archive_name or str(settings.SITE_NAME)

    def tos_id(self) -> int | None:
        """Return the id of the Terms of Service version in force, or None without one."""
        return self.tos.in_force()[0]


def parse_domains(text: str) -> frozenset[str]:
    """Return the domains listed one a line (or separated by spaces or commas), lower-cased,
    without a leading "@"."""
    parts = text.replace(",", " ").split()
    return frozenset(p.strip().lstrip("@").lower().rstrip(".") for p in parts if p.strip("@. "))


def _terms_ref(kind: str) -> TermsRef:
    now = timezone.now()
    versions = TermsVersion.objects.filter(kind=kind).order_by("-number")
    current = versions.filter(effective_at__lte=now).values("pk", "number").first()
    upcoming = (
        versions.filter(effective_at__gt=now)
        .order_by("effective_at", "number")
        .values("pk", "number", "effective_at")
        .first()
    )
    return TermsRef(
        current_id=current["pk"] if current else None,
        current_number=current["number"] if current else 0,
        next_id=upcoming["pk"] if upcoming else None,
        next_number=upcoming["number"] if upcoming else 0,
        next_at=upcoming["effective_at"] if upcoming else None,
    )


def load() -> SiteConfig:
    """Read the settings from the database (three small queries)."""
    row = SiteSettings.objects.filter(pk=1).first()
    tos = _terms_ref(TermsKind.TOS)
    privacy = _terms_ref(TermsKind.PRIVACY)
    if row is None:
        return SiteConfig(tos=tos, privacy=privacy)
    return SiteConfig(
        token=row.token,
        archive_name=row.archive_name,
        notice=row.notice,
        signup_mode=row.signup_mode,
        guest_comments=row.guest_comments,
        guest_kudos=row.guest_kudos,
        invitations_per_day=row.invitations_per_day,
        invitation_days=row.invitation_days,
        throwaway_domains=parse_domains(row.throwaway_domains),
        chapter_versions_kept=row.chapter_versions_kept,
        tos=tos,
        privacy=privacy,
    )


def _token_seconds() -> int:
    return int(getattr(settings, "SITE_SETTINGS_SECONDS", 5))


def current() -> SiteConfig:
    """Return the site settings (from the cache when it holds the current token). The token
    is read again at once when the page cache's versions say the archive changed (a saved
    setting bumps them in every process), so no page is rendered with the old settings and
    then cached as new."""
    token_key = _token_key()
    token = cache.get(token_key)
    if token is None:
        token = SiteSettings.objects.filter(pk=1).values_list("token", flat=True).first() or ""
        cache.set(token_key, token, _token_seconds())
    config = cache.get(CONFIG_KEY.format(token))
    # A version that takes effect later makes the cached copy stale then: read it again.
    if isinstance(config, SiteConfig) and not any(
        t.next_at and t.next_at <= timezone.now() for t in (config.tos, config.privacy)
    ):
        return config
    config = load()
    if config.token != token:  # the token named a change that was rolled back
        cache.set(token_key, config.token, _token_seconds())
    cache.set(CONFIG_KEY.format(config.token), config, None)
    return config


def for_request(request: HttpRequest) -> SiteConfig:
    """Return the site settings, read once per request."""
    config = getattr(request, _REQUEST_ATTRIBUTE, None)
    if not isinstance(config, SiteConfig):
        config = current()
        setattr(request, _REQUEST_ATTRIBUTE, config)
    return config


def changed(token: str) -> None:
    """Tell this process (and, with a shared cache, every server) about a new token."""
    cache.set(_token_key(), token, _token_seconds())


def _token_key() -> str:
    return f"{TOKEN_KEY}:{versions.store().read((versions.ALL,))}"
