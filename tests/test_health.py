"""/healthz and /readyz: what load balancers and supervisors ask."""

from __future__ import annotations

import json

import pytest
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone

from ficarchive.core import health
from ficarchive.core.models import WorkerBeat


@pytest.fixture(autouse=True)
def _forget_checked_migrations() -> None:
    health._migrations_applied = False


def test_it_answers_healthz_without_touching_the_database(client: Client) -> None:
    # No django_db mark: any database access here would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_is_not_ready_without_a_recent_worker_beat(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert "ficarchive worker" in body["checks"]["worker"]


@pytest.mark.django_db
def test_it_is_ready_with_a_database_migrations_and_a_beating_worker(client: Client) -> None:
    now = timezone.now()
    WorkerBeat.objects.create(worker_id="host:1:abc", started_at=now, beat_at=now)
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["status"] == "ready"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_is_not_ready_with_a_migration_left_to_apply(client: Client) -> None:
    now = timezone.now()
    WorkerBeat.objects.create(worker_id="host:1:abc", started_at=now, beat_at=now)
    # The newest migration of an app counts as not applied (a plan only looks at the leaves).
    newest = MigrationRecorder.Migration.objects.filter(app="core").order_by("-name").first()
    assert newest is not None
    newest.delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "ficarchive upgrade" in json.loads(response.content)["checks"]["migrations"]


@pytest.mark.django_db
def test_it_can_leave_the_worker_out_of_readiness(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FICARCHIVE_READYZ_WORKER", "off")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content)["checks"]["worker"] == "not checked"
