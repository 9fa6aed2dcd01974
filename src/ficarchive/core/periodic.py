"""Periodic work that keeps itself going: each app registers a starter (in its AppConfig's
ready), and `ficarchive worker` calls every starter when it starts. A starter queues the next
run of its task if none is on its way (the task then queues the run after it: see
kudos/tasks.py), so nothing periodic needs cron, and a second worker changes nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError

logger = logging.getLogger(__name__)

_starters: list[Callable[[], object]] = []


def on_worker_start(starter: Callable[[], object]) -> None:
    """Register a function for every worker to call when it starts (once per function)."""
    if starter not in _starters:
        _starters.append(starter)


def start_periodic_tasks() -> None:
    """Call every registered starter; a database error is logged, not fatal (the next worker
    start tries again)."""
    for starter in _starters:
        try:
            starter()
        except DatabaseError as error:
            logger.warning("Could not start %s (%s).", starter.__qualname__, error)
