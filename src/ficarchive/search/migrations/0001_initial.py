"""The full-text index table, made for the database in use.

SQLite gets an FTS5 virtual table; PostgreSQL a table with a weighted tsvector column, a GIN
index on it, and the text that snippets are cut from. The model is unmanaged, so each database
only ever sees its own kind of table. Works posted before this migration are indexed by
`ficarchive reindex`.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

import ficarchive.search.models

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE search_document USING fts5("
    "title, tags, creators, meta, body, tokenize = 'unicode61 remove_diacritics 2')",
]
POSTGRESQL_CREATE = [
    "CREATE TABLE search_document ("
    " rowid bigint PRIMARY KEY REFERENCES works_work (id) ON DELETE CASCADE"
    " DEFERRABLE INITIALLY DEFERRED,"
    " search_document tsvector NOT NULL,"
    " content text NOT NULL)",
    "CREATE INDEX search_document_gin ON search_document USING gin (search_document)",
]


def create_table(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    statements = POSTGRESQL_CREATE if vendor == "postgresql" else SQLITE_CREATE
    for statement in statements:
        schema_editor.execute(statement)


def drop_table(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute("DROP TABLE IF EXISTS search_document")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("works", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "work",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="works.work",
                    ),
                ),
                (
                    "document",
                    ficarchive.search.models.SearchDocumentField(db_column="search_document"),
                ),
            ],
            options={
                "db_table": "search_document",
                "managed": False,
            },
        ),
        migrations.RunPython(create_table, drop_table),
    ]
