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

KEEP_DAYS = 3
PRUNE_CHANCE = 0.01  # share of new hits that also delete rows older than KEEP_DAYS


def visitor_key(request: HttpRequest) -> str:
    """Return a stable, anonymous key for the reader: their user id when logged in, else their
    address and browser. Hashed with the site's secret so the table holds no addresses."""
    if request.user.is_authenticated:
        raw = f"user:{request.user.pk}"
    else:
        agent = request.META.get("HTTP_USER_AGENT", "")[:300]
        raw = f"guest:{request.META.get('REMOTE_ADDR', '')}:{agent}"
    digest = hashlib.blake2b(raw.encode(), key=settings.SECRET_KEY.encode()[:64], digest_size=16)
    return digest.hexdigest()


def record_hit(request: HttpRequest, work: Work) -> bool:
    """Count this reader's view of the work if it is their first today. Creators reading their
    own work are not counted. Returns True when a hit was counted."""
    if work.is_draft or work.is_created_by(request.user):
        return False
    visitor = visitor_key(request)
    today = timezone.now().date()
    if Hit.objects.filter(work_id=work.pk, visitor=visitor, day=today).exists():
        return False
    try:
        with transaction.atomic():
            Hit.objects.create(work_id=work.pk, visitor=visitor, day=today)
            Work.objects.filter(pk=work.pk).update(hit_count=F("hit_count") + 1)
    except IntegrityError:
        return False  # the same reader's other request counted it a moment ago
    if random.random() < PRUNE_CHANCE:
        Hit.objects.filter(day__lt=today - dt.timedelta(days=KEEP_DAYS)).delete()
    return True
