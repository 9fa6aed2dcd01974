"""Download requests in tests: files are built by the worker, so a test that wants the file
asks, runs the queued builds as the worker would, and asks again."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ficarchive.formats.tasks import build_download

BUILD_TASK = "ficarchive.formats.tasks.build_download"


def run_queued_builds() -> int:
    """Run every queued download build (highest priority first), as `ficarchive worker`
    would, and mark it done. Returns how many ran."""
    ran = 0
    queued = DBTaskResult.objects.filter(task_path=BUILD_TASK, status=TaskResultStatus.READY)
    for row in queued.order_by("-priority", "enqueued_at"):
        build_download.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.SUCCESSFUL)
        ran += 1
    return ran


def get_file(client: Client, url: str, **options: Any) -> Any:
    """Return the response to a download request once its file is built: a request, the
    queued builds run, the request again (one request when the file was there). `options`
    go to `client.get` (headers, secure)."""
    response = client.get(url, **options)
    if response.status_code == 202:
        run_queued_builds()
        response = client.get(url, **options)
    return response
