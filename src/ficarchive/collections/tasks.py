"""Background tasks of the collections app (run by `ficarchive worker`): revealing anonymous
and unrevealed collections when their `reveal_at` comes.

Saving a collection with a reveal date queues `reveal_collections` to run then (in the same
transaction, when the queue is in the database); a worker that starts queues a run for every
reveal still to come (`start_reveals`, hooked in through `core.periodic`) and reveals what is
already due, so a reveal missed while no worker ran happens at the next start. A run reveals
every collection that is due, so runs queued twice, or early, are harmless.
"""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from ficarchive.core.outbox import enqueue_with_transaction


def queue_reveal(when: datetime) -> bool:
    """Queue a reveal run at `when`; return False when the task backend cannot run a task
    later (the tests' immediate backend): `start_reveals` and the moderator's button remain."""
    backend = reveal_collections.get_backend()
    if not backend.supports_defer:
        return False
    enqueue_with_transaction(reveal_collections.using(run_after=when))
    return True


@task()
def reveal_collections() -> int:
    """Reveal every collection whose reveal date has come; return how many."""
    from ficarchive.collections.actions import reveal_due

    return reveal_due()


def start_reveals() -> None:
    """Reveal what is due and queue a run for each reveal date still to come."""
    from ficarchive.collections.actions import reveal_due
    from ficarchive.collections.models import Collection

    reveal_due()
    upcoming = (
        Collection.objects.filter(reveal_at__isnull=False, revealed_at__isnull=True)
        .values_list("reveal_at", flat=True)
        .distinct()
    )
    for when in upcoming:
        if when is not None:
            queue_reveal(when)
