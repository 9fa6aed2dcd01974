"""Background tasks of the kudos app (run by `ficarchive worker`): the daily kudos digest.

`send_kudos_digest(day)` runs once the day is over (plus DELAY, for kudos still being
written at midnight). The first run for a day records it (`KudosDigestDay`) and queues the
next day's run in the same transaction, so the chain goes on by itself; a worker that starts
queues the last finished day's run if no run recorded it (`start_daily_digests`, hooked in
through `core.periodic`), which starts the chain on a new archive and after a pause. A day run
twice is harmless: its notifications are unique per recipient and day, and only the run that
recorded the day continues the chain.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from ficarchive.core.outbox import enqueue_with_transaction
from ficarchive.kudos.digest import day_bounds, last_finished_day, send_digests
from ficarchive.kudos.models import KudosDigestDay

logger = logging.getLogger(__name__)

DELAY = timedelta(minutes=5)


def _record_day(day: date) -> bool:
    """Record that the digest of `day` started; return False if a run had already."""
    try:
        with transaction.atomic():
            KudosDigestDay.objects.create(day=day)
    except IntegrityError:
        return False
    return True


def queue_day(day: date) -> bool:
    """Queue the digest of `day` to run once it is over (in the current transaction when the
    queue is in the database). Returns False when the task backend cannot run a task later
    (the tests' immediate backend): the chain then stops there."""
    backend = send_kudos_digest.get_backend()
    if not backend.supports_defer:
        return False
    later = send_kudos_digest.using(run_after=day_bounds(day)[1] + DELAY)
    enqueue_with_transaction(later, day.isoformat())
    return True


@task()
def send_kudos_digest(day: str) -> int:
    """Send the kudos digests of `day` (YYYY-MM-DD) and, on the day's first run, queue the
    next day's. Returns how many notifications this run created (0 for a day not over yet)."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        logger.warning("Kudos digest: %r is not a day (YYYY-MM-DD).", day)
        return 0
    if timezone.now() < day_bounds(parsed)[1]:
        logger.warning("Kudos digest of %s asked for before the day is over.", parsed)
        return 0
    with transaction.atomic():
        if _record_day(parsed):
            queue_day(parsed + timedelta(days=1))
    return send_digests(parsed)


def start_daily_digests() -> bool:
    """Queue the digest of the last finished day unless a run already recorded it or a later
    day (called when a worker starts). Returns True if it queued one."""
    day = last_finished_day()
    if KudosDigestDay.objects.filter(day__gte=day).exists():
        return False
    with transaction.atomic():
        return queue_day(day)
