"""Background tasks of the accounts app (run by `ficarchive worker`)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ficarchive.accounts.actions import (
    DATA_EXPORT_DAYS,
    _remove_export_files,
    exports_dir,
    purge_expired_exports,
)
from ficarchive.accounts.export import write_export
from ficarchive.accounts.models import DataExport, DataExportStatus
from ficarchive.notifications.actions import notify

logger = logging.getLogger(__name__)


@task()
def build_data_export(export_id: int) -> bool:
    """Build one "download my data" ZIP and tell its owner in their inbox. Returns True if
    this run built it (False when it was built already, or the account is gone)."""
    purge_expired_exports()
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != DataExportStatus.PENDING:
        return False
    now = timezone.now()
    try:
        name, size = write_export(export.user, exports_dir(), now)
    except Exception:
        logger.exception("Data export %s failed", export_id)
        DataExport.objects.filter(pk=export_id).update(
            status=DataExportStatus.FAILED, finished_at=timezone.now()
        )
        return False
    days = getattr(settings, "DATA_EXPORT_DAYS", DATA_EXPORT_DAYS)
    expires = timezone.now() + timedelta(days=days)
    with transaction.atomic():
        updated = DataExport.objects.filter(pk=export_id, status=DataExportStatus.PENDING).update(
            status=DataExportStatus.READY,
            file_name=name,
            size=size,
            finished_at=timezone.now(),
            expires_at=expires,
        )
        if not updated:  # deleted (or built by another run) meanwhile
            transaction.on_commit(lambda: _remove_export_files([name]))
            return False
        notify(
            export.user,
            kind="data-export",
            message=f"Your data export is ready: download it before {expires:%d %B %Y}.",
            url="/settings/data/",
            key=f"data-export:{export_id}",
        )
    return True
