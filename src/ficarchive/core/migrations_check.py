"""A clear error, instead of a traceback, when a command runs on a database not yet migrated."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def ensure_migrated() -> None:
    """Raise CommandError naming the fix when the database lacks migrations."""
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise CommandError(
            f"The database is not up to date ({len(plan)} migration(s) to apply). Run "
            "`ficarchive migrate` (or `ficarchive serve`, which migrates first), then try again."
        )
