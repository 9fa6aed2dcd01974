"""Each work's tags keep the writer's order (`WorkTag.position`). Existing rows had none, and
pages showed each type's tags by name: they are numbered in that order (tag name, then tag id
for equal names), within each work, so that nothing moves on the page. One UPDATE with a
correlated count, the same on SQLite and PostgreSQL; a work has tens of tags, so each count
reads a few rows through the unique (work, tag) index."""

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def number_existing(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    WorkTag = apps.get_model("works", "WorkTag")
    Tag = apps.get_model("tags", "Tag")
    quote = schema_editor.quote_name
    worktag, tag = quote(WorkTag._meta.db_table), quote(Tag._meta.db_table)
    schema_editor.execute(
        f"UPDATE {worktag} SET position = ("
        f" SELECT COUNT(*) FROM {worktag} AS other, {tag} AS other_tag, {tag} AS this_tag"
        f" WHERE other.work_id = {worktag}.work_id"
        f" AND other_tag.id = other.tag_id AND this_tag.id = {worktag}.tag_id"
        f" AND (other_tag.name < this_tag.name"
        f" OR (other_tag.name = this_tag.name AND other_tag.id < this_tag.id)))"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tags", "0001_initial"),
        ("works", "0005_default_archive_warning"),
    ]

    operations = [
        migrations.AddField(
            model_name="worktag",
            name="position",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop, elidable=True),
    ]
