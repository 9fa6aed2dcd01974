"""Health checks for load balancers and supervisors: cheap, uncached, no session or template.

- `/healthz`: the process answers (no database query): restart the process when this fails.
- `/readyz`: the process can serve: the database answers, every migration is applied, and a
  background worker beat recently (FICARCHIVE_READYZ_WORKER=off leaves that check out, for a
  site that runs its workers elsewhere and watches them on its own). Send no traffic to a
  server while this answers 503.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ficarchive.core.env import envbool, envfloat

_migrations_applied = False  # once true it stays true for this process


def _json(payload: dict[str, object], status: int) -> HttpResponse:
    return HttpResponse(
        json.dumps(payload, sort_keys=True), content_type="application/json", status=status
    )


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return _json({"status": "ok"}, 200)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_migrations() -> str:
    global _migrations_applied
    if not _migrations_applied:
        from ficarchive.core.upkeep import pending_migrations

        pending = pending_migrations()
        if pending:
            return f"{len(pending)} migration(s) not applied: run `ficarchive upgrade`"
        _migrations_applied = True
    return "ok"


def _check_worker() -> str:
    from ficarchive.core.models import WorkerBeat

    if not envbool("READYZ_WORKER", True):
        return "not checked"
    recent = timezone.now() - timedelta(seconds=envfloat("TASK_RECOVER_AFTER", 60.0))
    if WorkerBeat.objects.filter(beat_at__gte=recent).exists():
        return "ok"
    return "no background worker beat recently: start `ficarchive worker`"


@require_safe
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    checks: dict[str, str] = {}
    for name, check in (
        ("database", _check_database),
        ("migrations", _check_migrations),
        ("worker", _check_worker),
    ):
        try:
            checks[name] = check()
        except DatabaseError as error:
            checks[name] = f"failed: {error.__class__.__name__}"
            if name == "database":
                break
    ready = all(value in {"ok", "not checked"} for value in checks.values()) and len(checks) == 3
    return _json(
        {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503
    )
