"""The filter-tags table (`FilterTagging`): for each work, the tags listings filter it by.

A work's filter tags are
- its own tags that are not synonyms (canonical tags, the fixed warning and category tags, and
  tags not wrangled yet, so that an unwrangled tag's page still lists its works),
- the canonical tag each of its synonym tags points to, and
- every meta tag above those, transitively: parents of the *same* type (a fandom's meta
  fandom, a freeform's meta tag). The fandom a character or relationship belongs to is not
  inherited: one character may belong to many fandoms, and a work about it belongs to the
  fandoms its author named.

Each batch of works is recomputed with two statements whatever its size: a DELETE, and an
INSERT ... SELECT over a recursive query (UNION, not UNION ALL, so a cycle that slipped past
the wrangling checks ends instead of looping). The works actions call `refresh_filter_tags`
after setting a work's tags; the wrangling actions call it for every work a change touches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db import connection, transaction
from django.db.models import Max, Min

from ficarchive.tags.models import FilterTagging, Tag, TagParent

BATCH_SIZE = 500  # work ids per statement: far below SQLite's limit on bound parameters


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _closure_sql(where: str) -> str:
    """Return the SELECT of (work_id, tag_id) filter-tag pairs for the works chosen by `where`
    (a condition on `wt.work_id`)."""
    from ficarchive.works.models import WorkTag  # works imports tags: import here, not above

    tag = Tag._meta.db_table
    link = TagParent._meta.db_table
    worktag = WorkTag._meta.db_table
    return f"""
        WITH RECURSIVE closure(work_id, tag_id, tag_type) AS (
            SELECT wt.work_id, COALESCE(canon.id, t.id), COALESCE(canon.type, t.type)
            FROM {worktag} wt
            JOIN {tag} t ON t.id = wt.tag_id
            LEFT JOIN {tag} canon ON canon.id = t.merger_id
            WHERE {where}
          UNION
            SELECT c.work_id, p.id, p.type
            FROM closure c
            JOIN {link} l ON l.child_id = c.tag_id
            JOIN {tag} p ON p.id = l.parent_id AND p.type = c.tag_type
        )
        SELECT DISTINCT work_id, tag_id FROM closure
    """  # noqa: S608 - table names come from model metadata; values are bound parameters


def _crossover_sql(where: str) -> str:
    """Return the UPDATE that sets `crossover` on the works chosen by `where` (a condition on
    `id`): a work is a crossover when its filter tags hold two or more top fandoms (fandoms
    with no meta fandom above them). "Cowboy Bebop (Anime)" with its meta tag "Cowboy Bebop"
    is one fandom tree, not a crossover."""
    from ficarchive.works.models import Work

    work = Work._meta.db_table
    table = FilterTagging._meta.db_table
    tag = Tag._meta.db_table
    link = TagParent._meta.db_table
    return f"""
        UPDATE {work} SET crossover = (
            SELECT COUNT(*) FROM {table} ft
            JOIN {tag} t ON t.id = ft.tag_id AND t.type = 'fandom'
            WHERE ft.work_id = {work}.id AND NOT EXISTS (
                SELECT 1 FROM {link} l JOIN {tag} p ON p.id = l.parent_id AND p.type = 'fandom'
                WHERE l.child_id = t.id
            )
        ) >= 2
        WHERE {where}
    """  # noqa: S608 - table names come from model metadata; values are bound parameters


def _refresh_where(where: str, params: Sequence[int]) -> None:
    table = FilterTagging._meta.db_table
    where_delete = where.replace("wt.work_id", "work_id")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {where_delete}", params)  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (work_id, tag_id) {_closure_sql(where)}",
            params,
        )
        cursor.execute(_crossover_sql(where.replace("wt.work_id", "id")), params)


@transaction.atomic
def refresh_filter_tags(work_ids: Iterable[int]) -> None:
    """Recompute the filter tags of these works (two statements per batch of works)."""
    ids = sorted(set(work_ids))
    for chunk in _chunks(ids, BATCH_SIZE):
        marks = ", ".join(["%s"] * len(chunk))
        _refresh_where(f"wt.work_id IN ({marks})", chunk)


def refresh_all_filter_tags(
    *, batch_size: int = 5000, progress: Callable[[int, int], None] | None = None
) -> int:
    """Recompute every work's filter tags, in ranges of work ids (each range in its own
    transaction, so a large archive is not locked for the whole run). Calls `progress(done,
    total)` after each range with the number of id ranges done. Returns the number of
    filter-tag rows afterwards."""
    from ficarchive.works.models import Work

    bounds = Work.objects.aggregate(low=Min("pk"), high=Max("pk"))
    low, high = bounds["low"], bounds["high"]
    if low is None or high is None:
        FilterTagging.objects.all().delete()
        return 0
    # Rows of works deleted without the cascade (never in normal use) would linger: clear
    # anything outside the id range too.
    FilterTagging.objects.exclude(work_id__gte=low, work_id__lte=high).delete()
    total = (high - low) // batch_size + 1
    for step in range(total):
        start = low + step * batch_size
        with transaction.atomic():
            _refresh_where("wt.work_id >= %s AND wt.work_id < %s", [start, start + batch_size])
        if progress is not None:
            progress(step + 1, total)
    return FilterTagging.objects.count()


def works_under(tag_ids: Iterable[int]) -> list[int]:
    """Return the ids of works a change to these tags may touch: works tagged with one of them
    or one of their synonyms, and works that have one of them as a filter tag (which covers
    works tagged with their sub tags). Two queries."""
    from ficarchive.works.models import WorkTag

    ids = list(set(tag_ids))
    tagged = WorkTag.objects.filter(tag_id__in=ids) | WorkTag.objects.filter(tag__merger_id__in=ids)
    found = set(tagged.values_list("work_id", flat=True))
    found.update(FilterTagging.objects.filter(tag_id__in=ids).values_list("work_id", flat=True))
    return sorted(found)
