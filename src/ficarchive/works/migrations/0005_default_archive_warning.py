"""Posting now needs an archive warning (as on AO3). Works stored without one get "Creator
Chose Not To Use Archive Warnings", with its filter tag, in batches; `revised_at` moves so
cached blurbs show it. (`ficarchive check-warnings` lists any left without one.)"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Exists, OuterRef
from django.utils import timezone

NO_WARNING_CHOSEN = "Creator Chose Not To Use Archive Warnings"
BATCH = 5000


def add_default_warning(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Tag = apps.get_model("tags", "Tag")
    FilterTagging = apps.get_model("tags", "FilterTagging")
    Work = apps.get_model("works", "Work")
    WorkTag = apps.get_model("works", "WorkTag")
    has_warning = WorkTag.objects.filter(work_id=OuterRef("pk"), tag__type="warning")
    missing = Work.objects.filter(~Exists(has_warning)).order_by("pk")
    if not missing.exists():
        return
    tag, _created = Tag.objects.get_or_create(
        name=NO_WARNING_CHOSEN, defaults={"type": "warning", "canonical": True}
    )
    last = 0
    while True:
        ids = list(missing.filter(pk__gt=last).values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        WorkTag.objects.bulk_create(
            [WorkTag(work_id=pk, tag_id=tag.pk) for pk in ids], ignore_conflicts=True
        )
        FilterTagging.objects.bulk_create(
            [FilterTagging(work_id=pk, tag_id=tag.pk) for pk in ids], ignore_conflicts=True
        )
        Work.objects.filter(pk__in=ids).update(revised_at=timezone.now())
        last = ids[-1]


class Migration(migrations.Migration):
    dependencies = [
        ("works", "0004_drop_redundant_fk_indexes"),
        ("tags", "0005_drop_redundant_fk_indexes"),
    ]
    operations = [migrations.RunPython(add_default_warning, migrations.RunPython.noop)]
