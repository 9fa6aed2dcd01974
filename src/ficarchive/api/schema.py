"""JSON Schemas of the API's objects, a small validator for request bodies, and the OpenAPI 3
document built from the table of operations in `views.py` (so the document cannot drift from
the views: both read the same table, and request bodies are checked against the very schemas
the document publishes)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from ficarchive.api.cursors import MAX_CURSOR
from ficarchive.bookmarks.models import MAX_BOOKMARK_TAGS
from ficarchive.gifts.models import MAX_INVITATIONS, MAX_RECIPIENTS, RECIPIENT_NAME_MAX
from ficarchive.tags.models import ARCHIVE_WARNINGS, CATEGORIES, MAX_TAG_LENGTH, TagType
from ficarchive.works.models import (
    CHAPTER_TEXT_MAX,
    LANGUAGE_NAMES,
    NOTES_MAX,
    SORT_FIELDS,
    SUMMARY_MAX,
    TITLE_MAX,
    CommentPermission,
    Rating,
    TextFormat,
)

Schema = dict[str, Any]

MAX_PAGE = 100_000
MAX_PER_PAGE = 100
MAX_TAGS_PER_TYPE = 75
MAX_WORDS = 10_000_000


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def string(max_length: int | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "string", **extra}
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


def nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


def strings(max_items: int, item: Schema | None = None) -> Schema:
    return {"type": "array", "items": item or string(), "maxItems": max_items}


def obj(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    """An object schema that allows no other keys; `required` defaults to every key."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def obj_optional(properties: dict[str, Schema]) -> Schema:
    """An object schema whose keys are all optional (OpenAPI 3.0 forbids `"required": []`)."""
    return {"type": "object", "properties": properties, "additionalProperties": False}


def page_of(item: str) -> Schema:
    return obj(
        {
            "count": {"type": "integer", "minimum": 0},
            "page": {
                **nullable({"type": "integer", "minimum": 1}),
                "description": "The page number; null when the page was asked for by cursor.",
            },
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "next": {
                **nullable(string()),
                "description": "The next page's URL (by cursor when this page was), or null.",
            },
            "previous": {
                **nullable(string()),
                "description": "The previous page's URL (by cursor when this page was), or null.",
            },
            "next_cursor": {
                **nullable(string()),
                "description": "Pass as `cursor` for the next page: stable under inserts.",
            },
            "previous_cursor": {
                **nullable(string()),
                "description": "Pass as `cursor` for the previous page.",
            },
            "results": {"type": "array", "items": ref(item)},
        }
    )


DATE_TIME = string(format="date-time")
# What a tag name cannot hold (tags.actions.FORBIDDEN_TAG_CHARS), as a pattern.
TAG_NAME_PATTERN = r"^[^,^*<>{}=`\\%]*$"
TAG_NAMES = strings(MAX_TAGS_PER_TYPE, string(MAX_TAG_LENGTH, pattern=TAG_NAME_PATTERN))
TAG_TYPES = [t.value for t in TagType]

TAG = obj(
    {
        "name": string(),
        "type": string(enum=TAG_TYPES),
        "canonical": {"type": "boolean"},
        "url": string(),
        "html_url": string(),
    }
)

SCHEMAS: dict[str, Schema] = {
    "Error": obj(
        {
            "error": string(),
            "problems": strings(1000),
        },
        required=["error"],
    ),
    "Tag": TAG,
    "TagDetail": obj(
        {
            "name": string(),
            "type": string(enum=TAG_TYPES),
            "canonical": {"type": "boolean"},
            "url": string(),
            "html_url": string(),
            "merger": nullable(TAG),
            "synonyms": {"type": "array", "items": string()},
            "parents": {"type": "array", "items": ref("Tag")},
            "children": {"type": "array", "items": ref("Tag")},
            "work_count": {"type": "integer", "minimum": 0},
            "works_url": string(),
        }
    ),
    "Creator": obj({"name": string(), "username": string(), "html_url": string()}),
    # A recipient without an account has no username and no page.
    "Gift": obj({"name": string(), "username": nullable(string()), "html_url": nullable(string())}),
    "Work": obj(
        {
            "id": {"type": "integer"},
            "title": string(),
            "status": string(enum=["draft", "posted"]),
            "restricted": {"type": "boolean"},
            "summary_html": string(),
            "notes_html": string(),
            "end_notes_html": string(),
            "rating": string(enum=list(Rating.values)),
            "warnings": {"type": "array", "items": string()},
            "categories": {"type": "array", "items": string()},
            "fandoms": {"type": "array", "items": string()},
            "relationships": {"type": "array", "items": string()},
            "characters": {"type": "array", "items": string()},
            "freeforms": {"type": "array", "items": string()},
            "language": string(),
            "words": {"type": "integer", "minimum": 0},
            "chapters": obj(
                {
                    "posted": {"type": "integer", "minimum": 0},
                    "expected": nullable({"type": "integer"}),
                }
            ),
            "complete": {"type": "boolean"},
            "crossover": {"type": "boolean"},
            "published_at": nullable(DATE_TIME),
            "updated_at": nullable(DATE_TIME),
            "counts": obj(
                {
                    "kudos": {"type": "integer", "minimum": 0},
                    "hits": {"type": "integer", "minimum": 0},
                    "bookmarks": {"type": "integer", "minimum": 0},
                    "comments": {"type": "integer", "minimum": 0},
                }
            ),
            "creators": {"type": "array", "items": ref("Creator")},
            "anonymous": {"type": "boolean"},
            "gifts": {"type": "array", "items": ref("Gift")},
            "links": obj(
                {
                    "self": string(),
                    "html": string(),
                    "chapters": string(),
                    "downloads": {"type": "object", "additionalProperties": string()},
                }
            ),
        }
    ),
    "ChapterSummary": obj(
        {
            "position": {"type": "integer", "minimum": 1},
            "title": string(),
            "display_title": string(),
            "words": {"type": "integer", "minimum": 0},
            "posted": {"type": "boolean"},
            "published_at": nullable(DATE_TIME),
            "url": string(),
            "html_url": string(),
        }
    ),
    "Chapter": obj(
        {
            "position": {"type": "integer", "minimum": 1},
            "title": string(),
            "display_title": string(),
            "words": {"type": "integer", "minimum": 0},
            "posted": {"type": "boolean"},
            "published_at": nullable(DATE_TIME),
            "url": string(),
            "html_url": string(),
            "summary_html": string(),
            "notes_html": string(),
            "end_notes_html": string(),
            "html": string(),
        }
    ),
    "ChapterList": obj({"work_id": {"type": "integer"}, **page_of("ChapterSummary")["properties"]}),
    "Pseud": obj({"name": string(), "is_default": {"type": "boolean"}, "description": string()}),
    "User": obj(
        {
            "username": string(),
            "html_url": string(),
            "pseuds": {"type": "array", "items": ref("Pseud")},
            "work_count": {"type": "integer", "minimum": 0},
        }
    ),
    "Me": obj(
        {
            "username": string(),
            "html_url": string(),
            "pseuds": {"type": "array", "items": ref("Pseud")},
            "work_count": {"type": "integer", "minimum": 0},
            "token": obj(
                {
                    "name": string(),
                    "prefix": string(),
                    "scopes": {
                        "type": "array",
                        "items": string(enum=["read", "works", "kudos", "bookmarks"]),
                        "description": "Empty: the token may do everything its account may.",
                    },
                    "expires_at": nullable(DATE_TIME),
                }
            ),
        }
    ),
    "Bookmark": obj(
        {
            "id": {"type": "integer"},
            "work_id": nullable({"type": "integer"}),
            "series_id": nullable({"type": "integer"}),
            "notes_html": string(),
            "tags": {"type": "array", "items": string()},
            "private": {"type": "boolean"},
            "recommend": {"type": "boolean"},
            "for_later": {"type": "boolean"},
            "created_at": DATE_TIME,
            "updated_at": DATE_TIME,
            "url": string(),
        }
    ),
    "Kudos": obj(
        {
            "created": {"type": "boolean"},
            "kudos": {"type": "integer", "minimum": 0},
            "message": string(),
        }
    ),
    "ChapterVersion": obj(
        {
            "number": {"type": "integer", "minimum": 1},
            "created_at": DATE_TIME,
            "author": nullable(string()),
            "kind": string(enum=["saved", "restored", "earlier"]),
            "restored_from": nullable({"type": "integer", "minimum": 1}),
            "words": {"type": "integer", "minimum": 0},
            "current": {"type": "boolean"},
            "title": string(),
            "summary": string(),
            "notes": string(),
            "end_notes": string(),
            "text": string(),
            "text_format": string(enum=list(TextFormat.values)),
            "restore_url": string(),
        }
    ),
    "ChapterVersionPage": page_of("ChapterVersion"),
    "WorkPage": page_of("Work"),
    "TagPage": page_of("Tag"),
    "BookmarkPage": page_of("Bookmark"),
}

CHAPTER_FIELDS: dict[str, Schema] = {
    "text": string(CHAPTER_TEXT_MAX, minLength=1),
    "text_format": string(enum=list(TextFormat.values)),
    "title": string(TITLE_MAX),
    "summary": string(SUMMARY_MAX),
    "notes": string(NOTES_MAX),
    "end_notes": string(NOTES_MAX),
}
WORK_FIELDS: dict[str, Schema] = {
    "title": string(TITLE_MAX, minLength=1),
    "summary": string(SUMMARY_MAX),
    "notes": string(NOTES_MAX),
    "end_notes": string(NOTES_MAX),
    "text_format": string(enum=list(TextFormat.values)),
    "rating": string(enum=list(Rating.values)),
    "warnings": strings(len(ARCHIVE_WARNINGS), string(enum=ARCHIVE_WARNINGS)),
    "categories": strings(len(CATEGORIES), string(enum=CATEGORIES)),
    "fandoms": TAG_NAMES,
    "relationships": TAG_NAMES,
    "characters": TAG_NAMES,
    "freeforms": TAG_NAMES,
    "language": string(enum=list(LANGUAGE_NAMES)),
    "expected_chapters": nullable({"type": "integer", "minimum": 1, "maximum": 10_000}),
    "complete": {"type": "boolean"},
    "restricted": {"type": "boolean"},
    "allow_guest_kudos": {"type": "boolean"},
    "comment_permission": string(enum=list(CommentPermission.values)),
    "moderate_comments": {"type": "boolean"},
    "gifts": {
        **strings(MAX_RECIPIENTS, string(RECIPIENT_NAME_MAX)),
        "description": "Recipients: members' pseuds (“pseud (account)” when several members "
        "share the name) or names without an account. Replaces the list; omit to keep it.",
    },
    "co_creators": {
        **strings(MAX_INVITATIONS, string(RECIPIENT_NAME_MAX)),
        "description": "Other members' pseuds to invite as co-creators (credited once they "
        "accept). Replaces the pending invitations; omit to keep them.",
    },
}
DRAFT = {"type": "boolean", "description": "Keep it as a draft instead of posting it."}

SCHEMAS.update(
    {
        "ChapterInput": obj({**CHAPTER_FIELDS, "draft": DRAFT}, required=["text"]),
        "ChapterUpdate": obj_optional(CHAPTER_FIELDS),
        "WorkInput": obj(
            {**WORK_FIELDS, "draft": DRAFT, "chapter": obj(CHAPTER_FIELDS, required=["text"])},
            required=["title", "chapter"],
        ),
        "WorkUpdate": obj_optional(WORK_FIELDS),
        "BookmarkInput": obj(
            {
                "work": {"type": "integer", "minimum": 1},
                "notes": string(NOTES_MAX),
                "tags": strings(MAX_BOOKMARK_TAGS, string(MAX_TAG_LENGTH)),
                "private": {"type": "boolean"},
                "recommend": {"type": "boolean"},
                "for_later": {"type": "boolean"},
            },
            required=["work"],
        ),
    }
)


# --- the validator -----------------------------------------------------------------------


def _resolve(schema: Schema) -> Schema:
    if "$ref" in schema:
        return SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def validate(value: Any, schema: Schema, where: str = "body") -> list[str]:
    """Return what is wrong with `value` against `schema` (the subset of JSON Schema used
    above: type, properties, required, additionalProperties, enum, lengths, bounds, items),
    as sentences naming the field; an empty list when it fits."""
    if value is None:
        return [] if _resolve(schema).get("nullable") else [f"{where} must not be null."]
    schema = _resolve(schema)
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where} must be a JSON object."]
        problems: list[str] = []
        properties: dict[str, Schema] = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{where}.{key} is required.")
        for key, item in value.items():
            if key in properties:
                problems += validate(item, properties[key], f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{where} has an unknown field “{str(key)[:40]}”.")
        return problems
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where} must be a list."]
        if len(value) > schema.get("maxItems", len(value)):
            return [f"{where} holds more than {schema['maxItems']} items."]
        return [
            p
            for i, item in enumerate(value)
            for p in validate(item, schema["items"], f"{where}[{i}]")
        ]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where} must be true or false."]
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{where} must be a whole number."]
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            return [f"{where} must be from {low} to {high}."]
        return []
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where} must be a string."]
        if "\x00" in value:
            return [f"{where} holds a NUL character, which no text here may hold."]
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [f"{where} holds a lone surrogate, which is not text."]
        if "enum" in schema and value not in schema["enum"]:
            shown = ", ".join(schema["enum"][:12])
            return [f"{where} must be one of: {shown}."]
        if len(value) > schema.get("maxLength", len(value)):
            return [f"{where} is longer than {schema['maxLength']:,} characters."]
        if len(value) < schema.get("minLength", 0):
            return [f"{where} must not be empty."]
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return [f"{where} holds a character it cannot hold."]
        if schema.get("format") == "date" and not _is_date(value):
            return [f"{where} must be a date like 2024-05-31."]
        return []
    return []


def _is_date(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


# --- the OpenAPI document ----------------------------------------------------------------

IDEMPOTENCY_KEY_SCHEMA: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": "^[\\x21-\\x7e]+$",
}


@dataclass(frozen=True)
class Param:
    """A query or path parameter."""

    name: str
    schema: Schema
    description: str = ""
    location: str = "query"
    required: bool = False

    def openapi(self) -> Schema:
        data: Schema = {
            "name": self.name,
            "in": self.location,
            "required": self.required or self.location == "path",
            "schema": self.schema,
        }
        if self.description:
            data["description"] = self.description
        if self.schema.get("type") == "array":
            data.update(style="form", explode=True)
        return data


PAGE_PARAMS = (
    Param(
        "cursor",
        string(MAX_CURSOR),
        "An opaque cursor from a listing's next_cursor or previous_cursor: the page after (or "
        "before) it, stable under inserts, as quick deep in the list as at its start. Not "
        "with page.",
    ),
    Param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page number, from 1."),
    Param(
        "per_page",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        f"Results per page (default 20, at most {MAX_PER_PAGE}).",
    ),
)
SORTS = [*SORT_FIELDS, "relevance"]
WORK_FILTERS = (
    Param("q", string(500), "Full-text search (the site's search syntax)."),
    Param("include", strings(10, string(300)), "Tag names the works must have (repeatable)."),
    Param("exclude", strings(10, string(300)), "Tag names the works must not have (repeatable)."),
    Param("rating", strings(5, string(enum=list(Rating.values))), "Ratings (repeatable)."),
    Param("language", string(enum=list(LANGUAGE_NAMES)), "Language code."),
    Param("complete", {"type": "boolean"}, "Only complete works."),
    Param("crossover", string(enum=["only", "exclude"]), "Only crossovers, or none."),
    Param(
        "words_from",
        {"type": "integer", "minimum": 0, "maximum": MAX_WORDS},
        "At least this many words.",
    ),
    Param(
        "words_to",
        {"type": "integer", "minimum": 0, "maximum": MAX_WORDS},
        "At most this many words.",
    ),
    Param("updated_since", string(format="date"), "Updated on or after this day (YYYY-MM-DD)."),
    Param("sort", string(enum=SORTS), "Sort order (relevance only with q)."),
    *PAGE_PARAMS,
)
WORK_ID = Param("work_id", {"type": "integer", "minimum": 1}, location="path")
POSITION = Param("position", {"type": "integer", "minimum": 1}, location="path")
BOOKMARK_ID = Param("bookmark_id", {"type": "integer", "minimum": 1}, location="path")
VERSION_NUMBER = Param("number", {"type": "integer", "minimum": 1}, location="path")
TAG_NAME = Param(
    "name",
    string(MAX_TAG_LENGTH, minLength=1, pattern=r"^[^/]+$"),
    "Tag name, with / . & ? # written as *s* *d* *a* *q* *h*.",
    location="path",
)
USERNAME = Param("username", string(150, minLength=1, pattern=r"^[^/]+$"), location="path")

ERROR_STATUSES = {
    "400": "The request is not valid: the message (and `problems`) say why.",
    "401": "No token, or a token that is not valid (wrong, revoked, expired, or its account "
    "closed).",
    "403": "The token's account may not do this (suspended, banned, not a creator, blocked), "
    "or the token is not allowed to (read-only, or without this operation's scope).",
    "404": "No such thing, or not one the caller may see.",
    "413": "The request body is too large.",
    "414": "The URL is too long (over 4 KB): the HTTP server refuses it, as an HTML page.",
    "409": "Another request with the same Idempotency-Key is still running: retry later.",
    "415": "The request body is not JSON.",
    "422": "This Idempotency-Key was used for another request in the last 24 hours.",
    "429": "Too many requests: wait the Retry-After header's seconds.",
}


@dataclass(frozen=True)
class Operation:
    """One row of the table: a method on a path, what it takes and what it returns."""

    method: str
    path: str  # relative to /api/v1/, in OpenAPI form: "works/{work_id}/"
    operation_id: str
    summary: str
    handler: Any
    response: str | None  # schema name of the success response; None: no body (204)
    status: int = 200
    auth: str = "optional"  # "none", "optional" or "required"
    params: tuple[Param, ...] = ()
    body: str | None = None
    description: str = ""
    errors: tuple[str, ...] = field(default=("400", "401", "404", "429"))
    scope: str | None = None  # the token scope a write needs (api.models.SCOPES)

    @property
    def write(self) -> bool:
        return self.method not in {"GET", "HEAD"}


RATE_HEADERS: Schema = {
    "X-RateLimit-Limit": {
        "description": "Requests allowed in the window of the tightest limit that applies "
        "(per token, account or address).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in that window.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Reset": {
        "description": "Seconds until that window frees a request.",
        "schema": {"type": "integer", "minimum": 0},
    },
}


def _error_response(description: str, *, retry: bool = False, authenticate: bool = False) -> Schema:
    data: Schema = {
        "description": description,
        "content": {"application/json": {"schema": ref("Error")}},
    }
    headers: Schema = dict(RATE_HEADERS)
    if retry:
        headers["Retry-After"] = {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 1},
        }
    if authenticate:
        headers["WWW-Authenticate"] = {
            "description": "The Bearer scheme.",
            "schema": {"type": "string"},
        }
    data["headers"] = headers
    return data


def build_openapi(operations: list[Operation], *, server: str = "/") -> Schema:
    """Return the OpenAPI 3.0 document of these operations."""
    paths: dict[str, Schema] = {}
    for op in operations:
        entry: Schema = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "parameters": [p.openapi() for p in op.params],
            "responses": {},
        }
        if op.write:
            entry["parameters"].append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "Any unique string (a UUID): a retry with the same key "
                    "within 24 hours answers the first answer again and writes nothing.",
                    "schema": IDEMPOTENCY_KEY_SCHEMA,
                }
            )
        description = op.description
        if op.scope is not None:
            description = (
                f"{description}\n\n" if description else ""
            ) + f"A token limited to scopes needs the “{op.scope}” scope."
        if description:
            entry["description"] = description
        if op.auth == "required":
            entry["security"] = [{"bearer": []}]
        elif op.auth == "optional":
            entry["security"] = [{}, {"bearer": []}]
        else:
            entry["security"] = []
        if op.body:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.body)}},
            }
        if op.response is None:
            entry["responses"][str(op.status)] = {"description": "Done.", "headers": RATE_HEADERS}
        else:
            entry["responses"][str(op.status)] = {
                "description": "Done.",
                "headers": RATE_HEADERS,
                "content": {"application/json": {"schema": ref(op.response)}},
            }
            if op.status == 201:
                # Creating what exists already answers 200 with it (a bookmark, kudos).
                entry["responses"]["200"] = {
                    "description": "It existed already; here it is.",
                    "headers": RATE_HEADERS,
                    "content": {"application/json": {"schema": ref(op.response)}},
                }
        statuses = set(op.errors) | {"400", "429"}
        if op.auth != "none":
            statuses.add("401")
        if op.write:
            statuses |= {"403", "409", "413", "415", "422"}
        for status in sorted(statuses):
            entry["responses"][status] = _error_response(
                ERROR_STATUSES[status], retry=status == "429", authenticate=status == "401"
            )
        if op.params:
            entry["responses"]["414"] = {
                "description": ERROR_STATUSES["414"],
                "content": {"text/html": {"schema": {"type": "string"}}},
            }
        paths.setdefault("/api/v1/" + op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ficarchive API",
            "version": "1.0.0",
            "description": "Read works, chapters, tags and people; with a personal token, post "
            "and update works and chapters, leave kudos and keep bookmarks. See docs/api.md.",
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal token from /settings/tokens/.",
                }
            },
        },
    }
