"""Rate limits on writes (comments, posting, kudos, reports, bookmarks), counted in the database
so they hold across processes and app servers.

Callers run `check_rate(action, user=..., address=...)` before the write; it records the
attempt, or raises `RateLimited` (turn it into a 429 page with `rate_limited_response`).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from ficarchive.moderation.models import RateEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest, HttpResponse

    from ficarchive.accounts.models import User

MINUTE = 60
HOUR = 3600


@dataclass(frozen=True)
class Limit:
    """At most `count` events per `scope` (the account, the network address, or the API
    token) in `seconds`."""

    scope: Literal["account", "address", "token"]
    count: int
    seconds: int


# Per action: every limit that applies. Settings may replace an action's limits with
# MODERATION_RATE_LIMITS = {"comment": [("account", 2, 60)], ...}.
LIMITS: dict[str, tuple[Limit, ...]] = {
    "comment": (
        Limit("account", 10, MINUTE),
        Limit("account", 60, HOUR),
        Limit("address", 30, HOUR),
    ),
    "post_work": (Limit("account", 10, HOUR), Limit("address", 20, HOUR)),
    # Previewing renders up to a whole chapter without saving it (works/views.py).
    "preview": (
        Limit("account", 20, MINUTE),
        Limit("account", 300, HOUR),
        Limit("address", 600, HOUR),
    ),
    "kudos": (Limit("account", 60, HOUR), Limit("address", 120, HOUR)),
    "report": (Limit("account", 10, HOUR), Limit("address", 20, HOUR)),
    "bookmark": (Limit("account", 60, HOUR), Limit("address", 120, HOUR)),
    # The public API (api/views.py): every read, and every write, per token, per token's
    # account and per address (guests only by address). A token gets half its account's
    # budget, so one runaway program cannot use up every other program's share.
    "api_read": (
        Limit("token", 300, HOUR),
        Limit("account", 600, HOUR),
        Limit("address", 1200, HOUR),
    ),
    "api_write": (
        Limit("token", 60, HOUR),
        Limit("account", 120, HOUR),
        Limit("address", 240, HOUR),
    ),
    # Sign-up and the site app's forms (site/views.py), per network address.
    "signup": (Limit("address", 5, HOUR), Limit("address", 20, 24 * HOUR)),
    "invitation_request": (Limit("address", 5, HOUR),),
    "confirm_email": (Limit("account", 5, HOUR),),
}

# What each action is called in messages ("Too many comments ...").
NOUNS = {
    "comment": "comments",
    "post_work": "works posted",
    "preview": "previews",
    "kudos": "kudos",
    "report": "reports",
    "bookmark": "bookmarks",
    "api_read": "API requests",
    "api_write": "API writes",
    "signup": "sign-ups",
    "invitation_request": "invitation requests",
    "confirm_email": "confirmation e-mails",
}


@dataclass(frozen=True)
class RateStatus:
    """Where a caller stands against the tightest of an action's limits after a check: for the
    X-RateLimit-Limit, -Remaining and -Reset headers (`reset` in seconds from now)."""

    limit: int
    remaining: int
    reset: int


class RateLimited(Exception):
    """Raised when an action is over its limit: `message` for the person, `retry_after` in
    seconds for the Retry-After header, and `status` (remaining 0) for rate-limit headers."""

    def __init__(self, message: str, retry_after: int, status: RateStatus | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.status = status or RateStatus(limit=0, remaining=0, reset=retry_after)


def limits_enabled() -> bool:
    """Return whether rate limits apply: always on a site; off under the test runner unless a
    test turns them on (MODERATION_RATE_LIMITS_ENABLED = True), so that tests which post many
    things in a row do not trip them by accident."""
    enabled = getattr(settings, "MODERATION_RATE_LIMITS_ENABLED", None)
    if enabled is None:
        return not getattr(settings, "TESTING", False)
    return bool(enabled)


def limits_for(action: str) -> tuple[Limit, ...]:
    """Return the limits of an action (settings override the defaults); unknown actions have
    none."""
    if not limits_enabled():
        return ()
    overrides = getattr(settings, "MODERATION_RATE_LIMITS", None) or {}
    if action in overrides:
        return tuple(
            Limit(scope, int(count), int(seconds)) for scope, count, seconds in overrides[action]
        )
    return LIMITS.get(action, ())


def describe_wait(seconds: int) -> str:
    """Return a wait in words: "30 seconds", "1 minute", "2 hours"."""
    if seconds < MINUTE:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < HOUR:
        minutes = math.ceil(seconds / MINUTE)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(seconds / HOUR)
    return f"{hours} hour{'s' if hours != 1 else ''}"


def describe_window(seconds: int) -> str:
    """Return a window in words: "minute", "hour", "10 minutes"."""
    if seconds == MINUTE:
        return "minute"
    if seconds == HOUR:
        return "hour"
    if seconds == 24 * HOUR:
        return "day"
    return describe_wait(seconds)


def _is_exempt(user: User | AnonymousUser | None) -> bool:
    from ficarchive.site.roles import is_moderator

    return is_moderator(user)


def counter_key(action: str, scope: str, value: object) -> int:
    """Return a signed 64-bit number naming one counter (an action by one account or one
    address), for PostgreSQL's advisory locks."""
    digest = hashlib.blake2b(f"rate:{action}:{scope}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_counters(keys: list[int]) -> None:
    """Serialize every check of these counters until the transaction ends.

    SQLite needs nothing here: its transactions begin IMMEDIATE (settings), so the one that
    counts holds the database's write lock until it has recorded its event. PostgreSQL takes a
    transaction-scoped advisory lock per counter, in a fixed order so two checks never wait on
    each other crosswise; under READ COMMITTED the count that follows sees every event that
    the previous holder committed."""
    if connection.vendor != "postgresql" or not keys:
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


WHO = {"account": "your account", "address": "your network address", "token": "this token"}


def check_rate(
    action: str,
    *,
    user: User | AnonymousUser | None,
    address: str,
    token_id: int | None = None,
) -> RateStatus | None:
    """Record one `action` by this account (None or a guest: by the address alone) from this
    address (and with this API token, if any), or raise RateLimited if a limit is reached.
    Staff are exempt and not counted. Returns where the caller stands against the tightest
    limit that applies (None when no limit applies).

    Counting and recording are one step: requests sent at the same moment are counted one
    after another, so a limit of N lets exactly N through, never N plus the racers."""
    if _is_exempt(user):
        return None
    limits = limits_for(action)
    if not limits:
        return None
    user_id = user.pk if user is not None and user.is_authenticated else None
    address = address[:64]
    events = RateEvent.objects.filter(action=action)
    scopes: dict[str, QuerySet[RateEvent]] = {"address": events.filter(address=address)}
    keys = [counter_key(action, "address", address)]
    if user_id is not None:
        scopes["account"] = events.filter(user_id=user_id)
        keys.append(counter_key(action, "account", user_id))
    if token_id is not None:
        scopes["token"] = events.filter(token_id=token_id)
        keys.append(counter_key(action, "token", token_id))
    longest = max(limit.seconds for limit in limits)
    tightest: RateStatus | None = None
    with transaction.atomic():
        lock_counters(keys)
        now = timezone.now()
        for limit in limits:
            scoped = scopes.get(limit.scope)
            if scoped is None:
                continue  # a guest has no account counter, a session no token counter
            window_start = now - timedelta(seconds=limit.seconds)
            recent = scoped.filter(created_at__gt=window_start)
            times = list(
                recent.order_by("-created_at").values_list("created_at", flat=True)[: limit.count]
            )
            if len(times) >= limit.count:
                # The oldest of the last `count` events leaves the window first (a limit of
                # 0, set by an operator, refuses for the whole window).
                free_at = (times[-1] if times else now) + timedelta(seconds=limit.seconds)
                retry_after = max(1, math.ceil((free_at - now).total_seconds()))
                noun = NOUNS.get(action, action.replace("_", " "))
                raise RateLimited(
                    f"Too many {noun} from {WHO[limit.scope]} in the last "
                    f"{describe_window(limit.seconds)}. Try again in {describe_wait(retry_after)}.",
                    retry_after,
                    RateStatus(limit=limit.count, remaining=0, reset=retry_after),
                )
            # After this event is recorded, `count - len(times) - 1` remain; the window frees
            # its first slot when its oldest event leaves it.
            oldest = times[-1] if times else now
            reset = max(
                1, math.ceil((oldest + timedelta(seconds=limit.seconds) - now).total_seconds())
            )
            status = RateStatus(
                limit=limit.count, remaining=limit.count - len(times) - 1, reset=reset
            )
            if tightest is None or status.remaining < tightest.remaining:
                tightest = status
        # Forget this counter's events that no window looks at any more (the locks cover
        # them), then record this one.
        for scoped in scopes.values():
            scoped.filter(created_at__lt=now - timedelta(seconds=longest)).delete()
        RateEvent.objects.create(action=action, user_id=user_id, address=address, token_id=token_id)
    if secrets.randbelow(100) == 0:
        # Now and then, also forget old events of accounts and addresses that went quiet.
        events.filter(created_at__lt=now - timedelta(seconds=longest)).delete()
    return tightest


def rate_limited_response(request: HttpRequest, error: RateLimited) -> HttpResponse:
    """Return the 429 page for a RateLimited error, with a Retry-After header."""
    from django.shortcuts import render

    response = render(
        request, "moderation/rate_limited.html", {"message": error.message}, status=429
    )
    response["Retry-After"] = str(error.retry_after)
    return response
