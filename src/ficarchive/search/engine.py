"""One search interface over two backends: SQLite FTS5 and PostgreSQL full text.

:func:`search_works` narrows a works QuerySet that the caller has already limited to what the
reader may see (``Work.objects.visible_to(user).posted()``), so visibility is never decided
here, and orders it by relevance. Snippets are cut for one page of results at a time, from
the index's text, by ficarchive.search.snippet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, FloatField, Func, OrderBy, Value
from django.db.models.sql.compiler import SQLCompiler
from django.utils.safestring import SafeString, mark_safe

from ficarchive.search.models import TABLE
from ficarchive.search.query import SearchQuery, describe, parse_query, to_fts5, to_tsquery
from ficarchive.search.snippet import SCAN_CHARS, make_snippet
from ficarchive.works.models import Work, WorkQuerySet

# bm25 weights of the FTS5 columns: title, tags, creators, meta (summary, notes), body.
FTS5_WEIGHTS = "10.0, 5.0, 5.0, 2.0, 1.0"
# A query that matches more works than this is ranked among its newest matches only: ranking
# reads every ranked work's positions (FTS5) or tsvector (PostgreSQL), so ranking all of
# 100,000 matches of two common words costs hundreds of milliseconds, and the best of the
# newest 2,000 is what a reader of an archive sorted by freshness expects anyway.
RANK_LIMIT = 2_000
# PostgreSQL's RUM index of the search documents (migration search 0002), when the server has
# the extension; without it the GIN index of migration 0001 is there instead.
RUM_INDEX = "search_document_rum"
# The point newest-first order measures ids from: the distance is a float8, exact for ids up
# to 2**53 (an id above it would come last, ordered as infinitely far).
_NEWEST_FROM = 2**53
# Whether each database (by name) has the RUM index: read from the catalog once per process.
_rum_indexed: dict[str, bool] = {}


def uses_rum() -> bool:
    """True when the database is PostgreSQL and its search table has the RUM index, whose
    entries carry each row's id, so the newest matches are read from the index in order.
    Checked once per process and database (``forget_index_kind`` checks again)."""
    if connection.vendor != "postgresql":
        return False
    name = str(connection.settings_dict["NAME"])
    if name not in _rum_indexed:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = %s AND indexname = %s",
                [TABLE, RUM_INDEX],
            )
            _rum_indexed[name] = cursor.fetchone() is not None
    return _rum_indexed[name]


def forget_index_kind() -> None:
    """Forget which index each database has (after the RUM index was added or dropped)."""
    _rum_indexed.clear()


class NewestFirst(Func):
    """PostgreSQL with RUM: the index row id's distance from a larger id (``<=|``, the RUM
    operator the index orders by), so ascending order is newest first, read from the index."""

    output_field = FloatField()

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        rowid, params = compiler.compile(self.source_expressions[0])
        return f"({rowid} <=| {_NEWEST_FROM}::bigint)", list(params)


class Relevance(Func):
    """How well a work's index row matches the query: higher is better on both databases."""

    output_field = FloatField()

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        document, params = compiler.compile(self.source_expressions[0])
        # bm25() is lower for better matches; negate it so both backends sort descending.
        return f"(-bm25({document}, {FTS5_WEIGHTS}))", list(params)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        document, params = compiler.compile(self.source_expressions[0])
        tsquery, query_params = compiler.compile(self.source_expressions[1])
        return f"ts_rank({document}, to_tsquery('simple', {tsquery}))", [
            *params,
            *query_params,
        ]


def backend_query(query: SearchQuery) -> str:
    """Return the query compiled for the database in use."""
    return to_tsquery(query) if connection.vendor == "postgresql" else to_fts5(query)


@dataclass
class WorkSearch:
    """A search of works: the narrowed works and what to tell the reader about the query."""

    q: str
    query: SearchQuery
    works: WorkQuerySet
    message: str = ""
    compiled: str = field(default="", repr=False)
    # True when more than `rank_limit` works matched and only the newest of them were ranked
    # (and are the results): the page says so.
    bounded: bool = False
    rank_limit: int = RANK_LIMIT

    @property
    def bounded_note(self) -> str:
        """Return the sentence that tells the reader the results were bounded ("" if not)."""
        if not self.bounded:
            return ""
        return (
            f"More than {self.rank_limit:,} works match, so the best matches are ranked among "
            f"the newest {self.rank_limit:,} matches. Add words or filters, or sort by date "
            "to see older works."
        )

    @property
    def active(self) -> bool:
        """True when the works were narrowed by the query (it had words to search for)."""
        return not self.query.is_empty

    def snippets(self, works: Iterable[Work]) -> dict[int, SafeString]:
        """Return a highlighted snippet for each of these works (one page of results), read
        in one query; works without a row or a snippet are left out."""
        ids = [w.pk for w in works]
        if not ids or not self.active:
            return {}
        limit = SCAN_CHARS
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"SELECT rowid, left(content, %s) FROM {TABLE} "  # noqa: S608
                    "WHERE rowid = ANY(%s)",
                    [limit, ids],
                )
            else:
                marks = ", ".join(["%s"] * len(ids))
                cursor.execute(
                    "SELECT rowid, substr(body, 1, %s), substr(meta, 1, %s), tags, creators, "  # noqa: S608
                    f"title FROM {TABLE} WHERE rowid IN ({marks})",
                    [limit, limit, *ids],
                )
            rows = cursor.fetchall()
        snippets = {}
        for pk, *texts in rows:
            snippet = make_snippet([t or "" for t in texts], self.query)
            if snippet:
                # make_snippet escapes the text and adds only <mark> tags.
                snippets[int(pk)] = mark_safe(snippet)
        return snippets


class AmongIds(Func):
    """``column IN ids`` with the ids as one parameter (a PostgreSQL array, a JSON array read
    by SQLite's json_each): the ranking query names the 2,000 known matches, and 2,000
    parameters cost more to build, send and parse than the ranking of a phrase itself."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: F, ids: list[int]) -> None:
        super().__init__(column)
        self.ids = [int(pk) for pk in ids]

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", [*params, self.ids]
        sql = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (a column)
        return sql, [*params, json.dumps(self.ids)]


def newest_match_ids(found: WorkQuerySet, count: int) -> list[int]:
    """Return the ids of the newest ``count`` works of ``found`` (works already narrowed by a
    match), newest first. Ordered by the index row's id, which both databases read in that
    order: FTS5 walks its doclists backwards and stops at the limit, PostgreSQL walks the
    index table's primary key (or sorts the few matches of a rare word), and PostgreSQL with
    the RUM index reads them from that index in id order (``rowid <=| max``), the rows that
    do not match never read."""
    order: OrderBy | str = "-search_document__work"
    if uses_rum():
        order = OrderBy(NewestFirst(F("search_document__work")))
    return list(found.order_by(order).values_list("pk", flat=True)[:count])


def search_works(
    works: WorkQuerySet, q: str, *, rank: bool = True, rank_limit: int | None = None
) -> WorkSearch:
    """Return the works that match the reader's query ``q``, best matches first, with a message
    for a query that searches nothing (then the works are returned unchanged).

    ``works`` decides visibility: pass ``Work.objects.visible_to(user).posted()`` or narrower.
    With ``rank`` (results in order of relevance), a query that matches more than
    ``rank_limit`` (default ``RANK_LIMIT``) works is answered by the newest ``rank_limit``
    matches, ranked (``bounded``: the page says so). Without it the works are every match,
    unordered, for the caller to sort.
    """
    limit = RANK_LIMIT if rank_limit is None else rank_limit
    query = parse_query(q)
    if query.is_empty:
        if query.excluded:
            message = (
                "Add a word to search for: excluded words (-word) only narrow a search, "
                "so all works are shown."
            )
        else:
            message = "Your search has no words to look for, so all works are shown."
        return WorkSearch(q=q, query=query, works=works, message=message)
    compiled = backend_query(query)
    found = works.filter(search_document__document__matches=compiled)
    bounded = False
    if rank:
        newest = newest_match_ids(found, limit + 1)
        if len(newest) > limit:
            # Exactly the newest rank_limit matches: a range of the index's own ids, which
            # FTS5 applies inside its doclists and PostgreSQL to the primary key.
            bounded = True
            newest = newest[:limit]
            found = found.filter(search_document__work__gte=newest[-1])
        ranking = compiled
        if connection.vendor == "postgresql":
            # The matches are known: rank exactly those, read by primary key. (Left to
            # itself the planner scans the whole table for a rare word, since it does not
            # count the cost of reading each large tsvector, and @@ would read each one
            # again.)
            found = works.filter(AmongIds(F("search_document__work"), newest))
        elif newest and (query.has_phrase or query.has_stop_word):
            # bm25() first counts the works that hold each phrase over the whole index,
            # checking positions in every work that has its words (300 ms for "the door" at
            # 100,000 works), and reads the long position lists of words such as "the". The
            # matches are already known: rank exactly those by their words but the stop
            # words (in every work, they weigh nothing in bm25), without checking positions.
            ranking = to_fts5(query.words_query())
            found = works.filter(
                AmongIds(F("pk"), newest),
                search_document__work__gte=min(newest),
                search_document__document__matches=ranking,
            )
        found = found.annotate(
            relevance=Relevance(F("search_document__document"), Value(ranking)),
        ).order_by("-relevance", "-updated_at", "-pk")
    message = ""
    if describe(query) != " ".join(q.split()):
        message = f"Searched for: {describe(query)}"
    return WorkSearch(
        q=q,
        query=query,
        works=found,
        message=message,
        compiled=compiled,
        bounded=bounded,
        rank_limit=limit,
    )
