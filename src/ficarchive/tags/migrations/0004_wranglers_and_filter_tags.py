"""The "Tag wranglers" group, PostgreSQL's prefix index for autocomplete, and the filter tags
of works posted before the table existed."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# Every work's own non-synonym tags, its synonyms' canonical tags, and their same-type
# ancestors (see ficarchive.tags.filtering, which keeps the table from now on).
FILL = """
INSERT INTO tags_filtertagging (work_id, tag_id)
WITH RECURSIVE closure(work_id, tag_id, tag_type) AS (
    SELECT wt.work_id, COALESCE(canon.id, t.id), COALESCE(canon.type, t.type)
    FROM works_worktag wt
    JOIN tags_tag t ON t.id = wt.tag_id
    LEFT JOIN tags_tag canon ON canon.id = t.merger_id
  UNION
    SELECT c.work_id, p.id, p.type
    FROM closure c
    JOIN tags_tagparent l ON l.child_id = c.tag_id
    JOIN tags_tag p ON p.id = l.parent_id AND p.type = c.tag_type
)
SELECT DISTINCT work_id, tag_id FROM closure
"""


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="Tag wranglers")
    if schema_editor.connection.vendor == "postgresql":
        # LIKE 'prefix%' can use a btree index only with the pattern operator class (the
        # model's own index serves SQLite, where autocomplete uses a range instead).
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS tag_canonical_pattern_idx "
            "ON tags_tag (type, lower(name) text_pattern_ops) WHERE canonical"
        )
    schema_editor.execute(FILL)


def backwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS tag_canonical_pattern_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("tags", "0003_wrangling"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
