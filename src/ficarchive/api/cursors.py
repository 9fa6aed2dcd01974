"""Cursor pagination for the API's lists: `?cursor=` takes an opaque string from a listing's
`next_cursor` or `previous_cursor` (or its `next` and `previous` links), and the next page
starts just after (or ends just before) the row the cursor names, found by an index seek on
the list's sort key and the row's id. So a page is as quick to get at the millionth row as
at the first (no OFFSET), and rows added meanwhile never shift a page's rows into the next
one or out of sight.

A cursor is base64url of a small JSON list: the sort it belongs to, the row's sort value, the
row's id, and a direction. It is not a secret and not signed: it is checked, and anything else
is a 400. Only a relevance-ranked search pages by offset inside its cursor (a rank is not a
key a page can seek to).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Model, Q, QuerySet

MAX_CURSOR = 1000  # characters of a cursor (the schema's maxLength)
MAX_OFFSET = 100_000 * 100  # rows a relevance cursor may skip (as MAX_PAGE × MAX_PER_PAGE)
MAX_PK = 2**63 - 1
Kind = Literal["datetime", "int", "str"]
M = TypeVar("M", bound=Model)


class CursorError(ValueError):
    """A cursor that this API did not give out, or not for this list."""


@dataclass(frozen=True)
class Order:
    """A list's order: by `field` (then by id, the same way), newest or most first when
    `descending`. `name` tells cursors of different orders apart."""

    name: str
    field: str
    descending: bool
    kind: Kind


@dataclass(frozen=True)
class Cursor:
    order: str
    value: Any
    pk: int
    backwards: bool = False
    offset: int | None = None  # only for relevance-ranked searches


def encode(cursor: Cursor) -> str:
    value = cursor.value.isoformat() if isinstance(cursor.value, dt.datetime) else cursor.value
    data = [cursor.order, value, cursor.pk, "p" if cursor.backwards else "n"]
    if cursor.offset is not None:
        data = [cursor.order, None, 0, "o", cursor.offset]
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


WRONG = (
    "cursor is not one this API gave out: use a listing's next_cursor or previous_cursor "
    "(or its next and previous links) as they are."
)


def decode(raw: str, order: Order) -> Cursor:
    """Return the cursor `raw` names, checked against the list's order; raise CursorError."""
    if len(raw) > MAX_CURSOR:
        raise CursorError(WRONG)
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as error:
        raise CursorError(WRONG) from error
    if not isinstance(data, list) or len(data) not in {4, 5} or data[0] != order.name:
        if isinstance(data, list) and data and isinstance(data[0], str) and data[0] != order.name:
            raise CursorError(
                "cursor belongs to another sort order: start again without a cursor, or keep "
                "the sort the cursor came with."
            )
        raise CursorError(WRONG)
    _name, value, pk, direction, *rest = data
    if direction == "o":
        offset = rest[0] if rest else None
        if type(offset) is not int or not 0 <= offset <= MAX_OFFSET:
            raise CursorError(WRONG)
        return Cursor(order.name, None, 0, offset=offset)
    if rest or direction not in {"n", "p"} or type(pk) is not int or not 0 < pk <= MAX_PK:
        raise CursorError(WRONG)
    return Cursor(order.name, _value(value, order.kind), pk, backwards=direction == "p")


def _value(value: Any, kind: Kind) -> Any:
    if value is None:
        return None
    if kind == "int":
        if type(value) is not int or not -MAX_PK <= value <= MAX_PK:
            raise CursorError(WRONG)
        return value
    if not isinstance(value, str) or len(value) > MAX_CURSOR or "\x00" in value:
        raise CursorError(WRONG)
    if kind == "str":
        return value
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise CursorError(WRONG) from error
    if moment.tzinfo is None:
        raise CursorError(WRONG)
    return moment


def ordered(rows: QuerySet[M], order: Order, *, backwards: bool = False) -> QuerySet[M]:
    """Order rows for seeking: by the field, then by id (the order the indexes serve)."""
    if order.descending != backwards:
        return rows.order_by(f"-{order.field}", "-pk")
    return rows.order_by(order.field, "pk")


def _nulls_high() -> bool:
    """Whether the database sorts NULL above every value (PostgreSQL) or below (SQLite)."""
    return connection.vendor == "postgresql"


def _nullable(rows: QuerySet[Any], name: str) -> bool:
    try:
        return bool(rows.model._meta.get_field(name).null)
    except FieldDoesNotExist:
        return False  # an annotation (a tag's lower-cased name): never NULL here


def _segments(
    rows: QuerySet[Any], order: Order, cursor: Cursor | None, ascending: bool
) -> list[QuerySet[Any]]:
    """The rows after the cursor in a scan by (field, id), ascending or descending, as the
    queries to read one after the other: the rows with a value, sought with a plain range on
    the sort index (`field <= v AND (field < v OR id < p)`), and the rows without one (by id),
    before or after them where the database sorts NULL. No OR spans the two: that keeps every
    query a range scan of an index."""
    f = order.field
    beyond = "gt" if ascending else "lt"
    valued_order = (f, "pk") if ascending else (f"-{f}", "-pk")
    nullable = _nullable(rows, f)
    valued = (rows.filter(**{f"{f}__isnull": False}) if nullable else rows).order_by(*valued_order)
    empty = rows.filter(**{f"{f}__isnull": True}).order_by("pk" if ascending else "-pk")
    nulls_first = ascending != _nulls_high()
    if cursor is None:
        parts = [empty, valued] if nulls_first else [valued, empty]
    elif cursor.value is None:
        rest = empty.filter(**{f"pk__{beyond}": cursor.pk})
        parts = [rest, valued] if nulls_first else [rest]
    else:
        v = cursor.value
        rest = valued.filter(**{f"{f}__{beyond}e": v}).filter(
            Q(**{f"{f}__{beyond}": v}) | Q(**{f"pk__{beyond}": cursor.pk})
        )
        parts = [rest] if nulls_first else [rest, empty]
    return [part for part in parts if nullable or part is not empty]


@dataclass
class CursorPage:
    pks: list[int]
    next: Cursor | None
    previous: Cursor | None


def page_pks(rows: QuerySet[Any], order: Order, cursor: Cursor | None, per_page: int) -> CursorPage:
    """Return the ids of one page of `rows` in the list's order, from the cursor on (or back
    from it), with the cursors of the pages on either side (None at either end)."""
    backwards = cursor is not None and cursor.backwards
    ascending = order.descending == backwards
    found: list[tuple[int, Any]] = []
    for part in _segments(rows, order, cursor, ascending):
        need = per_page + 1 - len(found)
        if need <= 0:
            break
        found += list(part.values_list("pk", order.field)[:need])
    more = len(found) > per_page
    found = found[:per_page]
    if backwards:
        found.reverse()
    if not found:
        return CursorPage([], None, None)
    first, last = found[0], found[-1]
    next_cursor = Cursor(order.name, last[1], last[0]) if (more or backwards) else None
    previous = (
        Cursor(order.name, first[1], first[0], backwards=True)
        if (more if backwards else cursor is not None)
        else None
    )
    return CursorPage([pk for pk, _value in found], next_cursor, previous)
