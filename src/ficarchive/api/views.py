"""The public JSON API under /api/v1/ and the token settings page.

Every API operation is a row of `OPERATIONS`: the URL patterns (`api/urls.py`) and the
OpenAPI document (`schema.build_openapi`) are both made from that table, and request bodies
and query parameters are checked against the schemas the document publishes.

The API reads no session cookie: a request is anonymous or carries a personal token
(`Authorization: Bearer <token>`). So API requests are exempt from CSRF checks, which exist
to stop a browser's cookies from acting for a person without their knowing; a token is never
sent by a browser on its own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ficarchive.accounts.models import User
from ficarchive.accounts.views import client_address
from ficarchive.api import cursors, idempotency
from ficarchive.api import schema as api_schema
from ficarchive.api import serializers as out
from ficarchive.api.actions import create_token, revoke_token
from ficarchive.api.forms import TokenForm
from ficarchive.api.models import READ_ONLY, ApiToken
from ficarchive.api.schema import (
    BOOKMARK_ID,
    PAGE_PARAMS,
    POSITION,
    TAG_NAME,
    TAG_TYPES,
    USERNAME,
    VERSION_NUMBER,
    WORK_FILTERS,
    WORK_ID,
    Operation,
    Param,
)
from ficarchive.api.tokens import bearer_token, hash_token
from ficarchive.bookmarks import actions as bookmark_actions
from ficarchive.bookmarks.models import Bookmark
from ficarchive.core.numbers import parse_whole_number
from ficarchive.kudos.actions import leave_kudos
from ficarchive.moderation.limits import RateLimited, RateStatus, check_rate
from ficarchive.moderation.sanctions import check_active
from ficarchive.revisions.actions import MAX_NUMBER, restore_version
from ficarchive.revisions.models import ChapterVersion
from ficarchive.search.engine import search_works
from ficarchive.tags.actions import clean_tag_name
from ficarchive.tags.models import FilterTagging, Tag, TagType
from ficarchive.works import actions as work_actions
from ficarchive.works.listing import (
    RELEVANCE,
    apply_filters,
    count_works,
    parse_filters,
    plan_listing,
)
from ficarchive.works.models import SORT_FIELDS, Chapter, ChapterQuerySet, Status, Work

logger = logging.getLogger(__name__)

PER_PAGE = 20
MAX_BODY = 4 * 1024 * 1024  # a chapter's 510,000 characters fit, even escaped as \uXXXX
MAX_ID = 2**63 - 1
LAST_USED_EVERY = timedelta(minutes=1)  # how stale last_used_at may get (saves a write a call)
Viewer = User | AnonymousUser


class ApiError(Exception):
    """An error answer: status, message, and for 400s the list of problems."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        problems: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems or []
        self.headers = headers or {}


@dataclass
class Call:
    """What a handler gets: the request, who is calling (a token's user or a guest), the token,
    the parsed query parameters and the parsed JSON body."""

    request: HttpRequest
    user: Viewer
    token: ApiToken | None
    query: dict[str, Any]
    body: Any

    @property
    def member(self) -> User:
        assert isinstance(self.user, User)
        return self.user

    @property
    def viewer_key(self) -> str:
        return f"user:{self.user.pk}" if self.user.is_authenticated else "guest"


Result = tuple[int, Any]


def error_response(error: ApiError) -> JsonResponse:
    payload: dict[str, Any] = {"error": error.message}
    if error.problems:
        payload["problems"] = error.problems
    response = JsonResponse(payload, status=error.status)
    for key, value in error.headers.items():
        response[key] = value
    return response


def unauthorized(message: str, *, invalid: bool = True) -> ApiError:
    challenge = 'Bearer realm="ficarchive"'
    if invalid:
        challenge += ', error="invalid_token"'
    return ApiError(401, message, headers={"WWW-Authenticate": challenge})


# --- reading the request -------------------------------------------------------------------


def _authenticate(request: HttpRequest) -> tuple[Viewer, ApiToken | None]:
    """Return the token's user and the token, or a guest when there is no Authorization
    header; raise 401 for a header that is not a valid, active token."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return AnonymousUser(), None
    raw = bearer_token(header)
    if raw is None:
        raise unauthorized("The Authorization header must be “Bearer ” and a token.")
    token = (
        ApiToken.objects.active().select_related("user").filter(key_hash=hash_token(raw)).first()
    )
    if token is None or not token.user.is_active:
        raise unauthorized("This token is not valid: it is wrong, or it was revoked.")
    if token.expired:
        assert token.expires_at is not None
        raise unauthorized(
            f"This token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC: make a new one "
            "at /settings/tokens/."
        )
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token


RATE_STATUS = "_api_rate_status"  # the request attribute the rate-limit headers come from


def _rate(request: HttpRequest, user: Viewer, token: ApiToken | None, write: bool) -> None:
    """Count the request against the API limits (per token, account and address), or raise
    RateLimited; remember where the caller stands for the X-RateLimit headers."""
    if not getattr(settings, "API_RATE_LIMITS", True):
        return
    try:
        status = check_rate(
            "api_write" if write else "api_read",
            user=user,
            address=client_address(request),
            token_id=token.pk if token is not None else None,
        )
    except RateLimited as error:
        setattr(request, RATE_STATUS, error.status)
        raise
    if status is not None:
        setattr(request, RATE_STATUS, status)


def _rate_headers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    status: RateStatus | None = getattr(request, RATE_STATUS, None)
    if status is not None:
        response["X-RateLimit-Limit"] = str(status.limit)
        response["X-RateLimit-Remaining"] = str(max(0, status.remaining))
        response["X-RateLimit-Reset"] = str(max(0, status.reset))
    return response


def _query(params: QueryDict, declared: tuple[Param, ...]) -> dict[str, Any]:
    """Return the declared query parameters, typed, checked against their schemas; raise 400
    with every problem found. Empty values count as absent; others are ignored."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for param in declared:
        kind = param.schema.get("type")
        item_kind = param.schema.get("items", {}).get("type") if kind == "array" else kind
        # An empty value means "not given" for free text (as from a form); for anything typed
        # (a number, a choice, a date) it is a value, and not a valid one.
        free = item_kind == "string" and not ({"enum", "format"} & set(param.schema))
        raw = [v for v in params.getlist(param.name) if v != "" or not free]
        if not raw:
            continue
        typed: list[Any] = []
        for value in raw:
            if item_kind == "integer":
                number = parse_whole_number(value)
                if number is None:
                    problems.append(f"{param.name} must be a whole number, not “{value[:30]}”.")
                    continue
                typed.append(number)
            elif item_kind == "boolean":
                word = value.strip().lower()
                if word in {"1", "true", "yes", "on"}:
                    typed.append(True)
                elif word in {"0", "false", "no", "off"}:
                    typed.append(False)
                else:
                    problems.append(f"{param.name} must be true or false, not “{value[:30]}”.")
            else:
                typed.append(value)
        if not typed:
            continue
        if kind != "array" and len(typed) > 1:
            problems.append(f"{param.name} is given more than once.")
            continue
        checked: Any = typed if kind == "array" else typed[0]
        found = api_schema.validate(checked, param.schema, param.name)
        if found:
            problems += found
        else:
            values[param.name] = checked
    if problems:
        raise ApiError(400, "Some query parameters are not valid.", problems=problems)
    return values


def _body(request: HttpRequest, schema_name: str) -> Any:
    """Return the request's JSON body checked against its schema; raise 413, 415 or 400."""
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "Send the body as JSON, with Content-Type: application/json.")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise ApiError(413, f"The body is larger than {MAX_BODY // (1024 * 1024)} MB.")
    try:
        raw = request.body
    except RequestDataTooBig as error:
        raise ApiError(413, f"The body is larger than {MAX_BODY // (1024 * 1024)} MB.") from error
    if len(raw) > MAX_BODY:
        raise ApiError(413, f"The body is larger than {MAX_BODY // (1024 * 1024)} MB.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ApiError(400, "The body is not valid JSON in UTF-8.") from error
    problems = api_schema.validate(data, api_schema.ref(schema_name))
    if problems:
        raise ApiError(400, "The body is not valid.", problems=problems[:50])
    return data


def _page(call: Call) -> tuple[int, int]:
    return int(call.query.get("page", 1)), int(call.query.get("per_page", PER_PAGE))


def _cursor(call: Call, order: cursors.Order) -> cursors.Cursor | None:
    """Return the request's cursor, checked against the list's order; raise 400."""
    raw = call.query.get("cursor")
    if raw is None:
        return None
    if "page" in call.query:
        raise ApiError(
            400,
            "Give page or cursor, not both.",
            problems=["page and cursor cannot go together: drop one."],
        )
    try:
        return cursors.decode(raw, order)
    except cursors.CursorError as error:
        raise ApiError(400, "The cursor is not valid.", problems=[str(error)]) from error


def _link(call: Call, per_page: int, key: str, value: str) -> str:
    pairs = [
        (k, v)
        for k, values in call.request.GET.lists()
        if k not in {"page", "per_page", "cursor"}
        for v in values
    ]
    pairs += [(key, value), ("per_page", str(per_page))]
    return f"{call.request.path}?{urlencode(pairs)}"


def _envelope(
    call: Call,
    count: int,
    page: int | None,
    per_page: int,
    results: list[Any],
    *,
    next_cursor: cursors.Cursor | None = None,
    previous_cursor: cursors.Cursor | None = None,
) -> Any:
    """One page of a list: links by page number when the page was asked for by number (as
    before cursors), by cursor when it was asked for by cursor; the cursors either way."""
    after = cursors.encode(next_cursor) if next_cursor else None
    before = cursors.encode(previous_cursor) if previous_cursor else None
    if page is None:
        next_link = _link(call, per_page, "cursor", after) if after else None
        previous_link = _link(call, per_page, "cursor", before) if before else None
    else:
        last = max(1, -(-count // per_page))
        next_link = _link(call, per_page, "page", str(page + 1)) if page < last else None
        previous_link = (
            _link(call, per_page, "page", str(min(page - 1, last))) if page > 1 else None
        )
    return {
        "count": count,
        "page": page,
        "per_page": per_page,
        "next": next_link,
        "previous": previous_link,
        "next_cursor": after,
        "previous_cursor": before,
        "results": results,
    }


@dataclass
class Slice:
    """The ids of one page of a list, and what its envelope needs."""

    pks: list[int]
    page: int | None
    per_page: int
    next: cursors.Cursor | None
    previous: cursors.Cursor | None


def _slice(call: Call, rows: QuerySet[Any], order: cursors.Order) -> Slice:
    """Return one page of `rows` in `order`: by cursor (an index seek) when the request gives
    one, else by page number (an offset, as before cursors), with cursors on either side."""
    page, per_page = _page(call)
    cursor = _cursor(call, order)
    if cursor is not None:
        if cursor.offset is not None:
            raise ApiError(400, "The cursor is not valid.", problems=[cursors.WRONG])
        found = cursors.page_pks(rows, order, cursor, per_page)
        return Slice(found.pks, None, per_page, found.next, found.previous)
    offset = (page - 1) * per_page
    ordered = cursors.ordered(rows, order).values_list("pk", order.field)
    rows_found = list(ordered[offset : offset + per_page + 1])
    more = len(rows_found) > per_page
    rows_found = rows_found[:per_page]
    next_cursor = previous = None
    if rows_found:
        first, last = rows_found[0], rows_found[-1]
        if more:
            next_cursor = cursors.Cursor(order.name, last[1], last[0])
        if page > 1:
            previous = cursors.Cursor(order.name, first[1], first[0], backwards=True)
    return Slice([pk for pk, _ in rows_found], page, per_page, next_cursor, previous)


def _slice_envelope(call: Call, count: int, part: Slice, results: list[Any]) -> Any:
    """The envelope of one `_slice` of a list."""
    return _envelope(
        call,
        count,
        part.page,
        part.per_page,
        results,
        next_cursor=part.next,
        previous_cursor=part.previous,
    )


def _in_order(pks: list[int], rows: QuerySet[Any]) -> list[Any]:
    loaded = {row.pk: row for row in rows.filter(pk__in=pks)}
    return [loaded[pk] for pk in pks if pk in loaded]


def _id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise ApiError(404, "No such thing here.")
    return value


def _work(call: Call, work_id: int) -> Work:
    """Return the work if the caller may read it (creators see their drafts), else 404."""
    work = Work.objects.visible_to(call.user).for_listing().filter(pk=_id(work_id)).first()
    if work is None:
        raise ApiError(404, "No such work, or not one you may read.")
    return work


def _own_work(call: Call, work_id: int) -> Work:
    work = _work(call, work_id)
    if not work.is_created_by(call.user):
        raise ApiError(403, "Only the work's creators can change it.")
    return work


def _chapters(call: Call, work: Work) -> ChapterQuerySet:
    chapters = Chapter.objects.filter(work=work).order_by("position")
    return chapters if work.is_created_by(call.user) else chapters.posted()


def _chapter(call: Call, work: Work, position: int) -> Chapter:
    chapter = _chapters(call, work).filter(position=_id(position)).first()
    if chapter is None:
        raise ApiError(404, "No such chapter.")
    chapter.work = work
    return chapter


def _refuse_sanctioned(call: Call, action: str | None = None) -> None:
    check_active(call.user)
    if action is not None and getattr(settings, "API_RATE_LIMITS", True):
        check_rate(action, user=call.user, address=client_address(call.request))


# --- reading -------------------------------------------------------------------------------


def list_works(call: Call) -> Result:
    """The listing of /works/ with the same filters, as JSON."""
    f = parse_filters(call.request.GET)
    if f.problems:
        raise ApiError(400, "Some filters are not valid.", problems=f.problems)
    plan = plan_listing(f, None)
    narrowed = apply_filters(Work.objects.visible_to(call.user).posted(), f, drive=plan.drive)
    if f.q:
        search = search_works(narrowed, f.q, rank=f.sort == RELEVANCE)
        if not search.active:
            # The site shows every work and says why; a client is told instead.
            raise ApiError(400, search.message, problems=[search.message])
        narrowed = search.works
    count = count_works(narrowed, f, None, call.viewer_key, plan)
    if f.sort == RELEVANCE:
        return 200, _ranked_page(call, narrowed, count)
    field_name = SORT_FIELDS[f.sort][0]
    kind: cursors.Kind = (
        "datetime" if f.sort in {"updated", "published"} else "str" if f.sort == "title" else "int"
    )
    order = cursors.Order(f.sort, field_name, descending=f.sort != "title", kind=kind)
    part = _slice(call, narrowed, order)
    results = [out.work_json(w) for w in _in_order(part.pks, Work.objects.for_listing())]
    return 200, _slice_envelope(call, count, part, results)


RANKED = cursors.Order(RELEVANCE, "pk", descending=True, kind="int")


def _ranked_page(call: Call, ranked: QuerySet[Work], count: int) -> Any:
    """A page of a relevance-ranked search: a rank is no key to seek by, so its cursors
    hold an offset (at most cursors.MAX_OFFSET, as page numbers allow)."""
    page, per_page = _page(call)
    cursor = _cursor(call, RANKED)
    if cursor is not None and cursor.offset is None:
        raise ApiError(400, "The cursor is not valid.", problems=[cursors.WRONG])
    offset = cursor.offset if cursor is not None and cursor.offset is not None else 0
    if cursor is None:
        offset = (page - 1) * per_page
    ids = list(ranked.values_list("pk", flat=True)[offset : offset + per_page + 1])
    more = len(ids) > per_page
    ids = ids[:per_page]
    results = [out.work_json(w) for w in _in_order(ids, Work.objects.for_listing())]
    after = offset + per_page
    next_cursor = (
        cursors.Cursor(RELEVANCE, None, 0, offset=after)
        if more and after <= cursors.MAX_OFFSET
        else None
    )
    previous = (
        cursors.Cursor(RELEVANCE, None, 0, offset=max(0, offset - per_page)) if offset else None
    )
    return _envelope(
        call,
        count,
        None if cursor is not None else page,
        per_page,
        results,
        next_cursor=next_cursor,
        previous_cursor=previous,
    )


def search(call: Call) -> Result:
    if not call.query.get("q", "").strip():
        raise ApiError(400, "Give a search query in q.", problems=["q is required."])
    return list_works(call)


def get_work(call: Call, work_id: int) -> Result:
    return 200, out.work_json(_work(call, work_id))


def list_chapters(call: Call, work_id: int) -> Result:
    """A work's chapters in reading order, a page at a time (by page number or cursor)."""
    work = _work(call, work_id)
    chapters = _chapters(call, work)
    count = chapters.count()
    part = _slice(call, chapters, CHAPTER_ORDER)
    results = [out.chapter_json(c, text=False) for c in _in_order(part.pks, chapters)]
    return 200, {"work_id": work.pk, **_slice_envelope(call, count, part, results)}


CHAPTER_ORDER = cursors.Order("position", "position", descending=False, kind="int")


def get_chapter(call: Call, work_id: int, position: int) -> Result:
    work = _work(call, work_id)
    return 200, out.chapter_json(_chapter(call, work, position), text=True)


def list_tags(call: Call) -> Result:
    tags = Tag.objects.canonical()
    if kind := call.query.get("type"):
        tags = tags.filter(type=kind)
    tags = tags.name_starts_with(call.query.get("q", "").strip())
    count = tags.count()
    part = _slice(call, tags, TAG_ORDER)
    results = [out.tag_json(t) for t in _in_order(part.pks, Tag.objects.all())]
    return 200, _slice_envelope(call, count, part, results)


TAG_ORDER = cursors.Order("name", "name_key", descending=False, kind="str")


def get_tag(call: Call, name: str) -> Result:
    try:
        cleaned = clean_tag_name(name)
    except ValidationError as error:
        raise ApiError(404, "No tag has that name.") from error
    visible = Tag.objects.visible_to(call.user)
    tag = visible.select_related("merger").filter(name__iexact=cleaned).first() if cleaned else None
    if tag is None:
        raise ApiError(404, "No tag has that name.")
    target = tag.merger or tag
    works = Work.objects.visible_to(call.user).posted()
    work_count = works.filter(
        Exists(FilterTagging.objects.filter(work_id=OuterRef("pk"), tag_id=target.pk))
    ).count()
    return 200, out.tag_detail_json(
        tag,
        synonyms=list(visible.filter(merger=tag).order_by("name")),
        parents=list(tag.parents.order_by("name")),
        children=list(visible.filter(parents=tag).order_by("name")[:500]),
        work_count=work_count,
    )


def _user_json(call: Call, owner: User) -> Any:
    owner_works = Work.objects.created_by(owner).values("pk")
    works = Work.objects.visible_to(call.user).posted().filter(pk__in=owner_works)
    if call.user.pk != owner.pk:
        works = works.exclude(anonymous=True)  # an anonymous work never names its creator
    count = works.count()
    return out.user_json(owner, work_count=count)


def get_user(call: Call, username: str) -> Result:
    owner = (
        User.objects.filter(username=username[:150], is_active=True)
        .prefetch_related("pseuds")
        .first()
    )
    if owner is None:
        raise ApiError(404, "No such user.")
    return 200, _user_json(call, owner)


def me(call: Call) -> Result:
    assert call.token is not None
    data = _user_json(call, call.member)
    data["token"] = {
        "name": call.token.name,
        "prefix": call.token.prefix,
        "scopes": call.token.scope_list,
        "expires_at": out.when(call.token.expires_at),
    }
    return 200, data


# --- writing -------------------------------------------------------------------------------


def _tag_names(values: list[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        name = clean_tag_name(value)
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


TAG_FIELDS = ("fandoms", "relationships", "characters", "freeforms")


def _work_input(body: dict[str, Any], base: work_actions.WorkInput) -> work_actions.WorkInput:
    """Return `base` with the fields the body gives replaced (tag names cleaned)."""
    changes = {k: v for k, v in body.items() if k in api_schema.WORK_FIELDS}
    for key in TAG_FIELDS:
        if key in changes:
            changes[key] = _tag_names(changes[key])
    for key in ("warnings", "categories"):
        if key in changes:
            changes[key] = list(dict.fromkeys(changes[key]))
    values = {**base.__dict__, **changes}
    return work_actions.WorkInput(**values)


def _chapter_input(
    body: dict[str, Any], base: work_actions.ChapterInput
) -> work_actions.ChapterInput:
    changes = {k: v for k, v in body.items() if k in api_schema.CHAPTER_FIELDS}
    return work_actions.ChapterInput(**{**base.__dict__, **changes})


def _current_input(work: Work) -> work_actions.WorkInput:
    def names(tag_type: str) -> list[str]:
        return [t.name for t in work.tags_of(tag_type)]

    return work_actions.WorkInput(
        title=work.title,
        summary=work.summary,
        notes=work.notes,
        end_notes=work.end_notes,
        text_format=work.text_format,
        rating=work.rating,
        warnings=names(TagType.WARNING),
        categories=names(TagType.CATEGORY),
        fandoms=names(TagType.FANDOM),
        relationships=names(TagType.RELATIONSHIP),
        characters=names(TagType.CHARACTER),
        freeforms=names(TagType.FREEFORM),
        language=work.language,
        expected_chapters=work.expected_chapters,
        complete=work.complete,
        restricted=work.restricted,
        allow_guest_kudos=work.allow_guest_kudos,
        comment_permission=work.comment_permission,
        moderate_comments=work.moderate_comments,
    )


def _fresh_work(call: Call, work_id: int) -> Work:
    return _work(call, work_id)


def create_work(call: Call) -> Result:
    _refuse_sanctioned(call, "post_work")
    body = call.body
    data = _work_input(body, work_actions.WorkInput(title=""))
    chapter = _chapter_input(body["chapter"], work_actions.ChapterInput(text=""))
    work = work_actions.post_work(call.member, data, chapter, draft=bool(body.get("draft")))
    return 201, out.work_json(_fresh_work(call, work.pk))


def update_work(call: Call, work_id: int) -> Result:
    _refuse_sanctioned(call)
    work = _own_work(call, work_id)
    data = _work_input(call.body, _current_input(work))
    work_actions.update_work(call.member, work, data)
    return 200, out.work_json(_fresh_work(call, work.pk))


def add_chapter(call: Call, work_id: int) -> Result:
    _refuse_sanctioned(call)
    work = _own_work(call, work_id)
    data = _chapter_input(call.body, work_actions.ChapterInput(text=""))
    chapter = work_actions.add_chapter(call.member, work, data, draft=bool(call.body.get("draft")))
    return 201, out.chapter_json(chapter, text=True)


def update_chapter(call: Call, work_id: int, position: int) -> Result:
    _refuse_sanctioned(call)
    work = _own_work(call, work_id)
    chapter = _chapter(call, work, position)
    base = work_actions.ChapterInput.of(chapter)
    chapter = work_actions.update_chapter(call.member, chapter, _chapter_input(call.body, base))
    return 200, out.chapter_json(chapter, text=True)


def list_versions(call: Call, work_id: int, position: int) -> Result:
    """A chapter's kept versions, newest first, for its creators."""
    work = _own_work(call, work_id)
    chapter = _chapter(call, work, position)
    versions = (
        ChapterVersion.objects.filter(chapter=chapter).select_related("author").order_by("-number")
    )
    count = versions.count()
    part = _slice(call, versions, VERSION_ORDER)
    newest = versions.values_list("number", flat=True).first()
    results = [
        out.version_json(v, chapter, current=v.number == newest)
        for v in _in_order(part.pks, versions)
    ]
    return 200, _slice_envelope(call, count, part, results)


VERSION_ORDER = cursors.Order("number", "number", descending=True, kind="int")


def restore_chapter_version(call: Call, work_id: int, position: int, number: int) -> Result:
    _refuse_sanctioned(call)
    work = _own_work(call, work_id)
    chapter = _chapter(call, work, position)
    if (
        not 0 < number <= MAX_NUMBER
        or not ChapterVersion.objects.filter(chapter=chapter, number=number).exists()
    ):
        raise ApiError(404, "This chapter has no such version.")
    chapter = restore_version(call.member, chapter, number)
    return 200, out.chapter_json(chapter, text=True)


def kudos(call: Call, work_id: int) -> Result:
    work = _work(call, work_id)
    if work.status != Status.POSTED or work.hidden:
        # Only its creators see a draft or a hidden work, and they may not leave kudos on it.
        raise ApiError(400, "Kudos go on posted works only, and never on your own.")
    _refuse_sanctioned(call, "kudos")
    created = leave_kudos(work, user=call.member)
    count = Work.objects.filter(pk=work.pk).values_list("kudos_count", flat=True).first() or 0
    message = "Thank you for leaving kudos!" if created else "You already left kudos here."
    return (201 if created else 200), {"created": created, "kudos": count, "message": message}


def _bookmarks(call: Call) -> QuerySet[Bookmark]:
    return (
        Bookmark.objects.filter(user=call.member)
        .prefetch_related("tags")
        .order_by("-updated_at", "-pk")
    )


def list_bookmarks(call: Call) -> Result:
    bookmarks = _bookmarks(call)
    count = bookmarks.count()
    part = _slice(call, bookmarks, BOOKMARK_ORDER)
    results = [out.bookmark_json(b) for b in _in_order(part.pks, bookmarks)]
    return 200, _slice_envelope(call, count, part, results)


BOOKMARK_ORDER = cursors.Order("updated", "updated_at", descending=True, kind="datetime")


def create_bookmark(call: Call) -> Result:
    body = call.body
    work = _work(call, body["work"])
    if work.status != Status.POSTED or work.hidden:
        raise ApiError(404, "No such work, or not one you may read.")
    _refuse_sanctioned(call, "bookmark")
    data = bookmark_actions.BookmarkInput(
        notes=body.get("notes", ""),
        tags=_tag_names(body.get("tags", [])),
        private=body.get("private", False),
        recommend=body.get("recommend", False),
        for_later=body.get("for_later", False),
    )
    bookmark, created = bookmark_actions.save_bookmark(call.member, data, work=work)
    fresh = _bookmarks(call).get(pk=bookmark.pk)
    return (201 if created else 200), out.bookmark_json(fresh)


def _own_bookmark(call: Call, bookmark_id: int) -> Bookmark:
    bookmark = _bookmarks(call).filter(pk=_id(bookmark_id)).first()
    if bookmark is None:
        raise ApiError(404, "No such bookmark among yours.")
    return bookmark


def get_bookmark(call: Call, bookmark_id: int) -> Result:
    return 200, out.bookmark_json(_own_bookmark(call, bookmark_id))


def delete_bookmark(call: Call, bookmark_id: int) -> Result:
    bookmark_actions.delete_bookmark(call.member, _own_bookmark(call, bookmark_id))
    return 204, None


def openapi(call: Call) -> Result:
    return 200, api_schema.build_openapi(OPERATIONS)


# --- the table -----------------------------------------------------------------------------

R = ("400", "401", "404", "429")
OPERATIONS: list[Operation] = [
    Operation("GET", "works/", "listWorks", "List and filter works", list_works, "WorkPage",
              params=WORK_FILTERS,
              description="The same filters as /works/; a value the listing would leave out "
              "is a 400 here, with the problems listed."),
    Operation("POST", "works/", "createWork", "Post a work (or save a draft)", create_work,
              "Work", status=201, auth="required", body="WorkInput", errors=(*R, "403"), scope="works"),
    Operation("GET", "works/{work_id}/", "getWork", "A work's metadata", get_work, "Work",
              params=(WORK_ID,)),
    Operation("PATCH", "works/{work_id}/", "updateWork", "Change a work's metadata (creators)",
              update_work, "Work", auth="required", params=(WORK_ID,), body="WorkUpdate",
              errors=(*R, "403"), scope="works"),
    Operation("GET", "works/{work_id}/chapters/", "listChapters",
              "A work's chapters in reading order, a page at a time", list_chapters,
              "ChapterList", params=(WORK_ID, *PAGE_PARAMS)),
    Operation("POST", "works/{work_id}/chapters/", "addChapter", "Add a chapter (creators)",
              add_chapter, "Chapter", status=201, auth="required", params=(WORK_ID,),
              body="ChapterInput", errors=(*R, "403"), scope="works"),
    Operation("GET", "works/{work_id}/chapters/{position}/", "getChapter",
              "A chapter with its text", get_chapter, "Chapter", params=(WORK_ID, POSITION)),
    Operation("PATCH", "works/{work_id}/chapters/{position}/", "updateChapter",
              "Change a chapter (creators)", update_chapter, "Chapter", auth="required",
              params=(WORK_ID, POSITION), body="ChapterUpdate", errors=(*R, "403"), scope="works"),
    Operation("GET", "works/{work_id}/chapters/{position}/versions/", "listChapterVersions",
              "A chapter's kept versions, newest first (creators)", list_versions,
              "ChapterVersionPage", auth="required", params=(WORK_ID, POSITION, *PAGE_PARAMS),
              errors=(*R, "403"),
              description="Every save of a chapter keeps a version: its date, word count, "
              "and its sources (text, title, summary, notes, format) as the writer gave them."),
    Operation("POST", "works/{work_id}/chapters/{position}/versions/{number}/restore/",
              "restoreChapterVersion", "Restore a kept version of a chapter (creators)",
              restore_chapter_version, "Chapter", auth="required",
              params=(WORK_ID, POSITION, VERSION_NUMBER), errors=(*R, "403"),
              description="The chapter becomes as it was in that version; the result is "
              "itself a new version, so nothing is lost.", scope="works"),
    Operation("POST", "works/{work_id}/kudos/", "leaveKudos", "Leave kudos", kudos, "Kudos",
              status=201, auth="required", params=(WORK_ID,), errors=(*R, "403"), scope="kudos"),
    Operation("GET", "search/", "searchWorks", "Search works (q is required)", search,
              "WorkPage", params=WORK_FILTERS),
    Operation("GET", "tags/", "listTags", "Canonical tags by name prefix", list_tags, "TagPage",
              params=(Param("q", api_schema.string(150), "Name prefix."),
                      Param("type", api_schema.string(enum=TAG_TYPES), "Tag type."),
                      *PAGE_PARAMS)),
    Operation("GET", "tags/{name}/", "getTag", "A tag: synonyms, parents, children, works",
              get_tag, "TagDetail", params=(TAG_NAME,)),
    Operation("GET", "users/{username}/", "getUser", "A user and their pseuds", get_user, "User",
              params=(USERNAME,)),
    Operation("GET", "me/", "getMe", "The token's own account", me, "Me", auth="required"),
    Operation("GET", "bookmarks/", "listBookmarks", "Your bookmarks", list_bookmarks,
              "BookmarkPage", auth="required", params=PAGE_PARAMS),
    Operation("POST", "bookmarks/", "saveBookmark", "Bookmark a work (or change the bookmark)",
              create_bookmark, "Bookmark", status=201, auth="required", body="BookmarkInput",
              errors=(*R, "403"), scope="bookmarks"),
    Operation("GET", "bookmarks/{bookmark_id}/", "getBookmark", "One of your bookmarks",
              get_bookmark, "Bookmark", auth="required", params=(BOOKMARK_ID,)),
    Operation("DELETE", "bookmarks/{bookmark_id}/", "deleteBookmark", "Delete a bookmark",
              delete_bookmark, None, status=204, auth="required", params=(BOOKMARK_ID,),
              errors=(*R, "403"), scope="bookmarks"),
    Operation("GET", "openapi.json", "getOpenApi", "This OpenAPI document", openapi, None,
              auth="none"),
]  # fmt: skip


def _answer(
    request: HttpRequest, operations: dict[str, Operation], kwargs: dict[str, Any]
) -> HttpResponse:
    op = operations.get(request.method or "")
    if op is None:
        allowed = ", ".join(sorted(operations))
        error = ApiError(405, f"{request.method} is not allowed here; use {allowed}.")
        error.headers["Allow"] = allowed
        raise error
    try:
        user, token = (AnonymousUser(), None) if op.auth == "none" else _authenticate(request)
    except ApiError:
        # A wrong token still counts against its address (and tells where it stands).
        _rate(request, AnonymousUser(), None, op.write)
        raise
    _rate(request, user, token, op.write)
    if op.auth == "required" and token is None:
        raise unauthorized(
            "This needs a personal token: send Authorization: Bearer <token>.", invalid=False
        )
    # A scoped token may make only the writes its scopes name (a write without a scope: none).
    if token is not None and op.write and token.scopes and not token.allows(op.scope or "-"):
        needed = op.scope or "write"
        what = (
            "read-only"
            if token.scope_list == [READ_ONLY]
            else f"limited to {token.describe_scopes}"
        )
        raise ApiError(
            403,
            f"This token is {what}: this needs the “{needed}” scope. Make a token with it "
            "at /settings/tokens/ (or one without scopes).",
        )
    query = _query(request.GET, tuple(p for p in op.params if p.location == "query"))
    body = _body(request, op.body) if op.body else None
    call = Call(request=request, user=user, token=token, query=query, body=body)
    key = request.headers.get(idempotency.HEADER)
    replayed = False
    if op.write and key is not None and isinstance(user, User):
        try:
            status, payload, replayed = idempotency.run_once(
                user,
                idempotency.clean_key(key),
                request.method or "",
                request.get_full_path(),
                request.body,
                lambda: op.handler(call, **kwargs),
            )
        except idempotency.KeyProblem as problem:
            raise ApiError(problem.status, problem.message) from None
    else:
        status, payload = op.handler(call, **kwargs)
    if payload is None:
        response = HttpResponse(status=status)
    else:
        response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _answer_or_error(
    request: HttpRequest, operations: dict[str, Operation], kwargs: dict[str, Any]
) -> HttpResponse:
    try:
        return _answer(request, operations, kwargs)
    except ApiError as error:
        return error_response(error)
    except Http404:
        return error_response(ApiError(404, "No such thing here."))
    except PermissionDenied as error:
        return error_response(ApiError(403, str(error) or "You may not do that."))
    except ValidationError as error:
        return error_response(
            ApiError(400, " ".join(error.messages), problems=list(error.messages))
        )
    except RateLimited as error:
        return error_response(
            ApiError(429, error.message, headers={"Retry-After": str(error.retry_after)})
        )
    except Exception:
        logger.exception("API error on %s %s", request.method, request.path)
        return error_response(ApiError(500, "Something went wrong on our side."))


def endpoint(operations: dict[str, Operation]) -> Callable[..., HttpResponse]:
    """Return the view of one path: it answers each method with its operation, and turns
    every error into JSON."""

    @csrf_exempt
    @never_cache
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return _rate_headers(request, _answer_or_error(request, operations, kwargs))

    return view


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Answer any other /api/ URL with a JSON 404."""
    return error_response(ApiError(404, "No such API URL: see /api/v1/openapi.json."))


# --- the token settings page ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """List the user's tokens; create one (shown once) or revoke one."""
    assert isinstance(request.user, User)
    user = request.user
    form = TokenForm(request.POST if request.method == "POST" else None)
    created: str | None = None
    if request.method == "POST":
        if "revoke" in request.POST:
            raw = request.POST.get("revoke", "")
            token_id = parse_whole_number(raw)
            if token_id is not None and revoke_token(user, token_id):
                messages.success(request, "Token revoked: it no longer works.")
            else:
                messages.error(request, "No such token among yours.")
            return redirect("/settings/tokens/")
        if form.is_valid():
            try:
                _row, created = create_token(
                    user,
                    form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"].split(),
                    expires_at=form.cleaned_data["expires"],
                )
            except ValidationError as error:
                form.add_error("name", error)
            else:
                form = TokenForm()
    rows = list(ApiToken.objects.active().filter(user=user))
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": rows, "created": created},
        status=400 if request.method == "POST" and form.errors else 200,
    )
    if created:
        response["Cache-Control"] = "no-store"
    return response
