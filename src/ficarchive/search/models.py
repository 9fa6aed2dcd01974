"""The full-text index: one row per posted work, in a table the migration makes per database.

On SQLite, ``search_document`` is an FTS5 virtual table (columns title, tags, creators, meta,
body; its hidden column of the same name is what MATCH and bm25() take). On PostgreSQL it is a
plain table whose ``search_document`` column is a weighted ``tsvector`` with a GIN index, beside
``content``, the text that ``ts_headline`` cuts snippets from. Django does not manage the table
(``managed = False``); the model exists so that a work's QuerySet can join it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler

from ficarchive.works.models import Work

TABLE = "search_document"


class SearchDocumentField(models.TextField):  # type: ignore[type-arg]
    """The searchable column: FTS5's hidden table column, or PostgreSQL's tsvector."""


@SearchDocumentField.register_lookup
class Matches(models.Lookup):  # type: ignore[type-arg]
    """``search_document__document__matches=compiled`` where compiled is the backend's query
    string (FTS5 MATCH syntax or to_tsquery syntax, from ficarchive.search.query)."""

    lookup_name = "matches"

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        params = [*lhs_params, *rhs_params]
        if connection.vendor == "postgresql":
            return f"{lhs} @@ to_tsquery('simple', {rhs})", params
        return f"{lhs} MATCH {rhs}", params


class SearchDocument(models.Model):
    work = models.OneToOneField(
        Work,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_column="rowid",
        db_constraint=False,
        related_name="search_document",
    )
    document = SearchDocumentField(db_column=TABLE)

    class Meta:
        managed = False
        db_table = TABLE

    def __str__(self) -> str:
        return f"search document of work {self.work_id}"
