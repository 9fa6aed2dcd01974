"""Hit counting: one hit per reader per work per day (see works.models.Hit).

A page view that is not the reader's first of the day for that work costs one indexed read
and writes nothing, so refreshing a page never takes the database's write lock."""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from ficarchive.works.models import Hit, Work

WARMUP = "ficarchive.warmup"  # the environ key of core/warmup.py's requests, which count nothing
KEEP_DAYS = 3
PRUNE_CHANCE = 0.01  # share of new hits that also delete rows older than KEEP_DAYS


def visitor_key(request: HttpRequest) -> str:
    """Return a stable, anonymous key for the reader: their user id when logged in, else their
    address and browser. Hashed with the site's secret so the table holds no addresses."""
    if request.user.is_authenticated:
        return _hashed(f"user:{request.user.pk}")
    return guest_visitor_key(
        request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_USER_AGENT", "")
    )


def guest_visitor_key(address: str, agent: str) -> str:
    """The key of a guest reading from this address with this browser."""
    return _hashed(f"guest:{address}:{agent[:300]}")


def _hashed(raw: str) -> str:
    digest = hashlib.blake2b(raw.encode(), key=settings.SECRET_KEY.encode()[:64], digest_size=16)
    return digest.hexdigest()


def record_hit(request: HttpRequest, work: Work) -> bool:
    """Count this reader's view of the work if it is their first today. Creators reading their
    own work are not counted. Returns True when a hit was counted."""
    if work.is_draft or work.is_created_by(request.user) or request.META.get(WARMUP):
        return False
    return count_guest_hit(work.pk, visitor_key(request), timezone.now().date())


def count_guest_hit(work_id: int, visitor: str, today: dt.date) -> bool:
    """Count a view of a work the reader did not create (a guest's, or a member's through
    `record_hit`) if it is the visitor's first of the day. The page cache calls this for
    pages it serves without Django."""
    if Hit.objects.filter(work_id=work_id, visitor=visitor, day=today).exists():
        return False
    try:
        with transaction.atomic():
            Hit.objects.create(work_id=work_id, visitor=visitor, day=today)
            Work.objects.filter(pk=work_id).update(hit_count=F("hit_count") + 1)
    except IntegrityError:
        return False  # the same reader's other request counted it a moment ago
    if random.random() < PRUNE_CHANCE:
        Hit.objects.filter(day__lt=today - dt.timedelta(days=KEEP_DAYS)).delete()
    return True
