"""The daily kudos digest: one inbox notification per creator per day, summing the kudos their
works got that day (guests counted, members named), e-mailed to those who asked for it.

A day is a calendar day in the site's time zone (`TIME_ZONE`). The notification's key is
`kudos-digest:<day>`, unique per recipient, so a day's digest is created once however often
it runs. Names leave out the readers the creator blocked: their kudos are counted, never
named. Reading a day costs a fixed number of queries whatever the number of kudos, works and
creators; each digest is then one insert (and, for e-mail, one queued task), in batches of
BATCH recipients per transaction, so a notification and its e-mail are saved together.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ficarchive.accounts.models import ORPHAN_USERNAME
from ficarchive.blocking.models import Block
from ficarchive.kudos.models import Kudos
from ficarchive.notifications.actions import create_notification
from ficarchive.notifications.models import Kind, NotificationSettings
from ficarchive.works.models import Creatorship

logger = logging.getLogger(__name__)

BATCH = 50
NAMES_PER_WORK = 10  # more members are summed up as "N more"
KEY_PREFIX = "kudos-digest:"


@dataclass
class WorkKudos:
    """One work's kudos of the day, as one creator sees them."""

    work_id: int
    title: str
    total: int
    guests: int
    names: list[str] = field(default_factory=list)  # members the creator may see, oldest first
    unnamed: int = 0  # members not named: beyond NAMES_PER_WORK, or blocked by the creator

    def line(self) -> str:
        """Return this work's line of the digest, e.g. '“Title”: 4 kudos, from ann, bo and 2
        guests.'"""
        parts = list(self.names)
        if self.unnamed:
            parts.append(f"{self.unnamed} more member{'s' if self.unnamed != 1 else ''}")
        if self.guests:
            parts.append(f"{self.guests} guest{'s' if self.guests != 1 else ''}")
        who = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"“{self.title}”: {self.total} kudos, from {who}."


@dataclass
class Digest:
    """One creator's digest of one day."""

    user_id: int
    username: str
    day: date
    works: list[WorkKudos] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.day.isoformat()}"

    @property
    def url(self) -> str:
        if len(self.works) == 1:
            return f"/works/{self.works[0].work_id}/#kudos"
        return f"/users/{urllib.parse.quote(self.username)}/"

    def message(self) -> str:
        """Return the notification's plain text: a first line that sums up (the e-mail's
        subject), then one line per work, most kudos first."""
        total = sum(work.total for work in self.works)
        count = len(self.works)
        head = (
            f"Kudos on {self.day.day} {self.day:%B %Y}: {total} on "
            f"{'your work' if count == 1 else f'{count} of your works'}."
        )
        ordered = sorted(self.works, key=lambda work: (-work.total, work.title, work.work_id))
        return "\n".join([head, *(work.line() for work in ordered)])


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Return the start and the end (exclusive) of a calendar day in the site's time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def last_finished_day(now: datetime | None = None) -> date:
    """Return the most recent day that is over, in the site's time zone."""
    moment = now or timezone.now()
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date() - timedelta(days=1)


def collect_digests(day: date) -> list[Digest]:
    """Return the digests of one day: one per active creator (not the orphan account) of a
    work that got kudos that day. Four queries, whatever the numbers of kudos, works and creators."""
    start, end = day_bounds(day)
    window = Q(created_at__gte=start, created_at__lt=end)
    counts = {
        row["work_id"]: (row["total"], row["guests"])
        for row in Kudos.objects.filter(window)
        .values("work_id")
        .annotate(total=Count("pk"), guests=Count("pk", filter=Q(user__isnull=True)))
        .order_by()
    }
    if not counts:
        return []
    credits = set(
        Creatorship.objects.filter(
            work_id__in=Kudos.objects.filter(window).values("work_id"),
            pseud__user__is_active=True,
        )
        .exclude(pseud__user__username=ORPHAN_USERNAME)  # nobody reads its inbox
        .values_list("work_id", "work__title", "pseud__user_id", "pseud__user__username")
    )
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for work_id, user_id, username in (
        Kudos.objects.filter(window, user__isnull=False)
        .order_by("created_at", "pk")
        .values_list("work_id", "user_id", "user__username")
    ):
        members[work_id].append((user_id, username))
    creator_ids = {user_id for _, _, user_id, _ in credits}
    blocked = set(
        Block.objects.filter(
            blocker_id__in=creator_ids,
            blocked_id__in=Kudos.objects.filter(window, user__isnull=False).values("user_id"),
        ).values_list("blocker_id", "blocked_id")
    )
    digests: dict[int, Digest] = {}
    for work_id, title, user_id, username in sorted(credits, key=lambda row: (row[2], row[0])):
        total, guests = counts.get(work_id, (0, 0))
        if not total:
            continue
        work = WorkKudos(work_id, title, total, guests)
        for reader_id, reader_name in members.get(work_id, []):
            if (user_id, reader_id) in blocked or len(work.names) >= NAMES_PER_WORK:
                work.unnamed += 1
            else:
                work.names.append(reader_name)
        digest = digests.setdefault(user_id, Digest(user_id, username, day))
        digest.works.append(work)
    return list(digests.values())


def send_digests(day: date) -> int:
    """Put each creator's digest of `day` in their inbox (and queue its e-mail for those who
    chose it). Safe to run again: a digest already there is not made twice. Returns how many
    notifications this run created."""
    digests = collect_digests(day)
    if not digests:
        return 0
    wants_email = set(
        NotificationSettings.objects.filter(
            user_id__in=[digest.user_id for digest in digests], email_kudos_digest=True
        ).values_list("user_id", flat=True)
    )
    created = 0
    for first in range(0, len(digests), BATCH):
        with transaction.atomic():
            for digest in digests[first : first + BATCH]:
                created += create_notification(
                    digest.user_id,
                    kind=Kind.KUDOS_DIGEST,
                    message=digest.message(),
                    url=digest.url,
                    key=digest.key,
                    email=digest.user_id in wants_email,
                )
    logger.info("Kudos digest of %s: %d of %d created", day, created, len(digests))
    return created
