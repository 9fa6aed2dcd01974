"""PostgreSQL: index the search documents with RUM when the server has the extension.

The RUM index (the `rum` extension, Debian's ``postgresql-15-rum``) keeps each word's works
with their index row id beside them (``rum_tsvector_addon_ops``, the row id attached), so the
newest matches of a query are read from the index in order and the reading stops at the bound
(``ORDER BY rowid <=| ...``), where GIN finds every match and sorts them. It replaces the GIN
index. A server without the extension (or a role that may not create it) keeps the GIN index,
and the search engine keeps its GIN path (``ficarchive.search.engine.uses_rum``). SQLite is
not touched. Building the index reads every row: minutes on a large archive.
"""

from django.db import DatabaseError, migrations, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

RUM_INDEX = "search_document_rum"
GIN_INDEX = "search_document_gin"
CREATE_RUM = (
    f"CREATE INDEX IF NOT EXISTS {RUM_INDEX} ON search_document USING rum "
    "(search_document rum_tsvector_addon_ops, rowid) "
    "WITH (attach = 'rowid', to = 'search_document')"
)
CREATE_GIN = (
    f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON search_document USING gin (search_document)"
)


def rum_available(schema_editor: BaseDatabaseSchemaEditor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        return cursor.fetchone() is not None


def add_rum_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql" or not rum_available(schema_editor):
        return
    try:
        # A savepoint: a role that may not create the extension keeps the GIN index.
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS rum")
            schema_editor.execute(CREATE_RUM)
            schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")
    except DatabaseError:
        return


def drop_rum_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_GIN)
    schema_editor.execute(f"DROP INDEX IF EXISTS {RUM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_rum_index, drop_rum_index),
    ]
