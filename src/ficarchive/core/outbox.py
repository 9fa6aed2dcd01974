"""Enqueue background work as part of the write that causes it (a transactional outbox).

The task queue of django-tasks-db is a table of the site's own database, so a task enqueued
inside the caller's transaction is saved with the caller's rows or not at all: a post and its
fan-out are one fact, and the worker cannot see the task before the rows it reads. A backend
that keeps tasks elsewhere (the immediate backend of the tests, a broker) cannot share the
transaction; for those the task is enqueued once the transaction commits, as before."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend


def enqueue_with_transaction(task: Task[Any, Any], *args: Any) -> None:
    """Enqueue `task(*args)` in the current transaction when the queue is in the database;
    otherwise once the transaction commits."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(task.enqueue, *args))
