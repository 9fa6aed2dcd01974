"""Backup archives of the whole site: writing one from the database, checking one, and
restoring one into an empty database (on either engine).

An archive is a directory: `manifest.json` plus one JSON Lines file per model,
`<app_label>.<model_name>.jsonl`, each line one row as a JSON object keyed by column (the
attname: `work_id` for a foreign key). Which models: every concrete, managed model of every
`ficarchive.*` app (many-to-many tables included, as their own models), plus Django's
`auth.Group` and its permission links, in foreign-key dependency order. Rows that are not
archive content are left out (`NOT_ARCHIVED`); derived tables are rebuilt after a restore
(`REBUILT`). docs/operations.md describes the format for operators.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.sql.subqueries import InsertQuery

import ficarchive

FORMAT = "ficarchive-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_MAX_BYTES = 16 * 1024 * 1024
BATCH_BYTES = 8 * 1024 * 1024

Progress = Callable[[int, int], None]

# Django's own models that archives hold (ficarchive's users belong to these groups).
AUTH_MODELS = {"auth.group", "auth.group_permissions"}
# Rows referenced by natural key rather than by id: their ids depend on the order in which a
# database was migrated, so they differ between two installs.
CONTENT_TYPE = "contenttypes.contenttype"
PERMISSION = "auth.permission"

# Not archive content: why each is left out.
NOT_ARCHIVED: dict[str, str] = {
    "accounts.loginfailure": "failed log-ins kept for throttling, which expire within minutes",
    "moderation.rateevent": "recent actions counted by the rate limits, which expire soon",
    "core.workerbeat": "heartbeats of the running background workers",
    "core.formsubmission": "tokens of posting forms already sent, kept a day against doubles",
    "api.idempotentrequest": "API answers kept a day for retries with an Idempotency-Key",
}
# Derived tables, rebuilt from the restored rows instead of archived.
REBUILT: dict[str, str] = {
    "tags.filtertagging": "each work's filter tags (ficarchive.tags.filtering)",
    "search.searchdocument": "the full-text index (ficarchive.search.index)",
}

STRING_TYPES = {
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
    "URLField",
    "GenericIPAddressField",
    "IPAddressField",
    "FilePathField",
    "FileField",
    "ImageField",
}
SIMPLE_KINDS = {
    "BooleanField": "bool",
    "FloatField": "float",
    "DecimalField": "decimal",
    "DateTimeField": "datetime",
    "DateField": "date",
    "TimeField": "time",
    "UUIDField": "uuid",
    "DurationField": "duration",
    "BinaryField": "binary",
    "JSONField": "json",
}


class ArchiveError(Exception):
    """The archive cannot be written or read: the message names the file and line."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        self.file = file
        self.line = line
        self.detail = message
        where = f"{file} line {line}" if file and line else file or ""
        super().__init__(f"{where}: {message}" if where else message)


def _seeded_rows() -> dict[str, models.Q]:
    """Return, per model, the rows that a fresh `migrate` creates (data migrations): a database
    holding only these is empty, and a restore replaces them with the archive's."""
    from ficarchive.tags.models import FIXED_TAG_TYPES, WRANGLER_GROUP

    return {
        "tags.tag": models.Q(type__in=sorted(FIXED_TAG_TYPES)),
        "auth.group": models.Q(name=WRANGLER_GROUP),
    }


# The plan: which models, in which order, with which columns --------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an archived model, and how its values are written."""

    name: str
    kind: str
    null: bool
    optional: bool
    max_length: int | None = None
    int_range: tuple[int, int] | None = None
    scrub: str = ""


@dataclass(frozen=True)
class ModelPlan:
    model: type[models.Model]
    label: str
    columns: tuple[Column, ...]

    @property
    def file_name(self) -> str:
        return f"{self.label}.jsonl"

    @property
    def column_names(self) -> frozenset[str]:
        return frozenset(column.name for column in self.columns)

    def fields(self) -> list[models.Field[Any, Any]]:
        return list(self.model._meta.concrete_fields)


def _kind(model_label: str, field: models.Field[Any, Any], archived: set[str]) -> Column:
    """Return the Column for a concrete field, or raise ArchiveError for one archives cannot
    hold (a type without a JSON form, a link to a model left out of archives)."""
    scrub = ""
    target: models.Field[Any, Any] = field
    if field.is_relation:
        related = field.related_model
        assert related is not None and not isinstance(related, str)
        related_label = related._meta.label_lower
        if related_label == CONTENT_TYPE:
            return Column(field.attname, "ctype", field.null, field.null or field.has_default())
        if related_label == PERMISSION:
            return Column(field.attname, "perm", field.null, field.null or field.has_default())
        if related_label not in archived:
            raise ArchiveError(
                f"{model_label}.{field.name} refers to {related_label}, which archives do not "
                "hold: add that model to the archive or leave this one out (backup/archive.py)."
            )
        while target.is_relation:
            target = target.target_field  # type: ignore[attr-defined]
    internal = target.get_internal_type()
    optional = field.null or field.has_default()
    if internal in BaseDatabaseOperations.integer_field_ranges:
        return Column(
            field.attname,
            "int",
            field.null,
            optional,
            int_range=BaseDatabaseOperations.integer_field_ranges[internal],
        )
    if internal in STRING_TYPES:
        if isinstance(field, models.EmailField):
            scrub = "email"
        if field.model is get_user_model() and field.attname == "password":
            scrub = "password"
        return Column(
            field.attname, "str", field.null, optional, max_length=field.max_length, scrub=scrub
        )
    if internal in SIMPLE_KINDS:
        return Column(field.attname, SIMPLE_KINDS[internal], field.null, optional)
    raise ArchiveError(
        f"{model_label}.{field.name} is a {internal}, which archives cannot hold yet "
        "(backup/archive.py lists the field types they can)."
    )


def _is_candidate(model: type[models.Model]) -> bool:
    meta = model._meta
    if meta.proxy or not meta.managed or meta.swapped:
        return False
    return meta.app_config is not None and (
        meta.app_config.name.startswith("ficarchive.") or meta.label_lower in AUTH_MODELS
    )


def _dependency_order(chosen: list[type[models.Model]]) -> list[type[models.Model]]:
    """Return the models with every model after the models its foreign keys point to (by label
    where there is a choice; a cycle is broken at its first label: foreign keys are checked at
    the end of the restore's transaction anyway)."""
    by_label = {model._meta.label_lower: model for model in chosen}
    needs: dict[str, set[str]] = {}
    for label, model in by_label.items():
        needs[label] = {
            f.related_model._meta.label_lower
            for f in model._meta.concrete_fields
            if f.is_relation
            and f.related_model is not None
            and not isinstance(f.related_model, str)
            and f.related_model._meta.label_lower in by_label
            and f.related_model._meta.label_lower != label
        }
    ordered: list[type[models.Model]] = []
    ready = [label for label, deps in needs.items() if not deps]
    heapq.heapify(ready)
    waiting = {label for label, deps in needs.items() if deps}
    while ready or waiting:
        if not ready:
            label = min(waiting)
            waiting.discard(label)
        else:
            label = heapq.heappop(ready)
        ordered.append(by_label[label])
        for other in sorted(waiting):
            needs[other].discard(label)
            if not needs[other]:
                waiting.discard(other)
                heapq.heappush(ready, other)
    return ordered


def archive_plan() -> list[ModelPlan]:
    """Return the archived models in restore order, with their columns."""
    chosen = [
        model
        for model in apps.get_models(include_auto_created=True)
        if _is_candidate(model)
        and model._meta.label_lower not in NOT_ARCHIVED
        and model._meta.label_lower not in REBUILT
    ]
    archived = {model._meta.label_lower for model in chosen}
    plans = []
    for model in _dependency_order(chosen):
        label = model._meta.label_lower
        if model._meta.parents:
            raise ArchiveError(f"{label} uses multi-table inheritance, which archives cannot hold.")
        columns = tuple(_kind(label, f, archived) for f in model._meta.concrete_fields)
        plans.append(ModelPlan(model=model, label=label, columns=columns))
    return plans


# Values ------------------------------------------------------------------------------------


@dataclass
class Keys:
    """Natural keys of content types and permissions, both ways."""

    content_types: dict[int, list[str]] = field(default_factory=dict)
    permissions: dict[int, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Keys:
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        keys = cls()
        for ct in ContentType.objects.all():
            keys.content_types[ct.pk] = [ct.app_label, ct.model]
        for perm in Permission.objects.select_related("content_type"):
            keys.permissions[perm.pk] = [
                perm.codename,
                perm.content_type.app_label,
                perm.content_type.model,
            ]
        return keys

    def reverse(self) -> tuple[dict[tuple[str, ...], int], dict[tuple[str, ...], int]]:
        return (
            {tuple(key): pk for pk, key in self.content_types.items()},
            {tuple(key): pk for pk, key in self.permissions.items()},
        )


def encode_value(column: Column, value: Any, keys: Keys) -> Any:
    """Return the JSON form of a value read from the database."""
    if value is None:
        return None
    kind = column.kind
    if kind in {"str", "int", "bool", "float", "json"}:
        return str(value) if kind == "str" else value
    if kind == "datetime":
        if value.tzinfo is None:
            raise ArchiveError(f"{column.name} holds a date and time without a time zone.")
        return value.astimezone(UTC).isoformat()
    if kind in {"date", "time", "decimal", "uuid"}:
        return value.isoformat() if kind in {"date", "time"} else str(value)
    if kind == "duration":
        return value // timedelta(microseconds=1)
    if kind == "binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "ctype":
        return keys.content_types[value]
    if kind == "perm":
        return keys.permissions[value]
    raise AssertionError(kind)  # pragma: no cover


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "a string"}.get(
        type(value), "a list" if isinstance(value, list) else "an object"
    )


class Decoder:
    """Turns JSON values back into Python values, strictly: the wrong JSON type, a string
    longer than the column, a NUL character (PostgreSQL cannot store it) or an unknown content
    type raise ValueError with the reason."""

    def __init__(self, keys: Keys) -> None:
        self.content_types, self.permissions = keys.reverse()

    def __call__(self, column: Column, value: Any) -> Any:
        if value is None:
            if not column.null:
                raise ValueError("must not be null")
            return None
        kind = column.kind
        if kind == "json":
            return value
        if kind == "int":
            if type(value) is not int:
                raise ValueError(f"expected a whole number, got {_type_name(value)}")
            low, high = column.int_range or (None, None)
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(f"{value} is out of range ({low} to {high})")
            return value
        if kind == "bool":
            if type(value) is not bool:
                raise ValueError(f"expected true or false, got {_type_name(value)}")
            return value
        if kind == "float":
            if type(value) not in {int, float}:
                raise ValueError(f"expected a number, got {_type_name(value)}")
            return float(value)
        if kind in {"ctype", "perm"}:
            size = 2 if kind == "ctype" else 3
            if (
                not isinstance(value, list)
                or len(value) != size
                or not all(isinstance(part, str) for part in value)
            ):
                raise ValueError(f"expected a list of {size} strings (a natural key)")
            table = self.content_types if kind == "ctype" else self.permissions
            if tuple(value) not in table:
                what = "content type" if kind == "ctype" else "permission"
                raise ValueError(f"unknown {what} {value!r} in this database")
            return table[tuple(value)]
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_type_name(value)}")
        if "\x00" in value:
            raise ValueError("holds a NUL character, which PostgreSQL cannot store")
        if kind == "str":
            if column.max_length is not None and len(value) > column.max_length:
                raise ValueError(
                    f"{len(value):,} characters, longer than the column's {column.max_length:,}"
                )
            return value
        return _parse_string(kind, value)


def _parse_string(kind: str, value: str) -> Any:
    try:
        if kind == "datetime":
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError("a date and time without a time zone")
            return moment
        if kind == "date":
            return date.fromisoformat(value)
        if kind == "time":
            return time_of_day.fromisoformat(value)
        if kind == "decimal":
            return Decimal(value)
        if kind == "uuid":
            return uuid.UUID(value)
        if kind == "duration":
            return timedelta(microseconds=int(value))
        if kind == "binary":
            return base64.b64decode(value, validate=True)
    except (ValueError, InvalidOperation, ArithmeticError) as error:
        raise ValueError(f"{value[:40]!r} is not a valid {kind} ({error})") from None
    raise AssertionError(kind)  # pragma: no cover


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice")
        result[key] = value
    return result


def decode_line(
    plan: ModelPlan, raw: bytes, decoder: Decoder, *, file: str, line: int
) -> dict[str, Any]:
    """Return one archive line as field values by attname; ArchiveError names what is wrong."""
    if not raw.endswith(b"\n"):
        raise ArchiveError(
            "the file ends in the middle of this line (truncated)", file=file, line=line
        )
    try:
        text = raw[:-1].decode("utf-8")
    except UnicodeDecodeError as error:
        raise ArchiveError(f"not UTF-8 text ({error.reason})", file=file, line=line) from None
    try:
        row = json.loads(text, parse_constant=_no_constants, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as error:
        raise ArchiveError(f"not valid JSON ({error})", file=file, line=line) from None
    if not isinstance(row, dict):
        raise ArchiveError(f"expected a JSON object, got {_type_name(row)}", file=file, line=line)
    unknown = sorted(set(row) - plan.column_names)
    if unknown:
        raise ArchiveError(
            f"unknown field {unknown[0]!r} (not a column of {plan.label})", file=file, line=line
        )
    values: dict[str, Any] = {}
    for column in plan.columns:
        if column.name not in row:
            if column.optional:
                continue
            raise ArchiveError(f"field {column.name!r} is missing", file=file, line=line)
        try:
            values[column.name] = decoder(column, row[column.name])
        except ValueError as error:
            raise ArchiveError(f"field {column.name!r}: {error}", file=file, line=line) from None
    return values


# Export ------------------------------------------------------------------------------------


@dataclass
class ExportSummary:
    path: Path
    models: int
    rows: int
    bytes: int
    counts: dict[str, int]


@contextmanager
def _snapshot() -> Iterator[None]:
    """Read every table in one snapshot of the database, without blocking writers."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    # SQLite: atomic() would BEGIN IMMEDIATE and hold the write lock for the whole export; a
    # deferred transaction reads one snapshot (WAL mode) while the site keeps writing.
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")


def _private(path: str, flags: int) -> int:
    """Open a new file readable by its owner only (archives hold e-mail addresses)."""
    return os.open(path, flags | os.O_EXCL, 0o600)


def _applied_migrations() -> dict[str, list[str]]:
    recorder = MigrationRecorder(connections[DEFAULT_DB_ALIAS])
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(recorder.applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def export_archive(
    target: Path,
    *,
    include_passwords: bool = False,
    include_emails: bool = True,
    chunk_size: int = 2000,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write the whole archive into the directory `target` (which must not exist, or be
    empty): rows are streamed from the database in one snapshot into a hidden sibling
    directory, which is renamed to `target` once the manifest is written, so a half-written
    archive never looks complete. Returns what was written."""
    plans = archive_plan()
    target = target.absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ArchiveError(f"{target} already exists and is not an empty directory.")
    if not target.parent.is_dir():
        raise ArchiveError(f"{target.parent} is not a directory.")
    work_dir = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        summary = _write(
            work_dir,
            plans,
            include_passwords=include_passwords,
            include_emails=include_emails,
            chunk_size=chunk_size,
            progress=progress,
        )
        if target.exists():
            target.rmdir()
        work_dir.rename(target)
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    summary.path = target
    return summary


def _write(
    directory: Path,
    plans: list[ModelPlan],
    *,
    include_passwords: bool,
    include_emails: bool,
    chunk_size: int,
    progress: Progress | None,
) -> ExportSummary:
    connection = connections[DEFAULT_DB_ALIAS]
    entries: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    total_bytes = 0
    with _snapshot():
        keys = Keys.load()
        totals = {plan.label: plan.model._base_manager.count() for plan in plans}
        total = sum(totals.values())
        done = 0
        for plan in plans:
            digest = hashlib.sha256()
            rows = size = 0
            names = [column.name for column in plan.columns]
            replace: dict[int, Callable[[], str]] = {}
            for index, column in enumerate(plan.columns):
                if column.scrub == "password" and not include_passwords:
                    replace[index] = lambda: make_password(None)
                elif column.scrub == "email" and not include_emails:
                    replace[index] = str
            values = plan.model._base_manager.order_by("pk").values_list(*names)
            with open(directory / plan.file_name, "wb", opener=_private) as handle:
                for record in values.iterator(chunk_size=chunk_size):
                    row = {
                        name: replace[i]()
                        if i in replace and value is not None
                        else encode_value(plan.columns[i], value, keys)
                        for i, (name, value) in enumerate(zip(names, record, strict=True))
                    }
                    data = (
                        json.dumps(row, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
                        + "\n"
                    ).encode("utf-8")
                    handle.write(data)
                    digest.update(data)
                    rows += 1
                    size += len(data)
                    done += 1
                    if progress is not None and done % chunk_size == 0:
                        progress(done, max(total, done))
                handle.flush()
                os.fsync(handle.fileno())
            counts[plan.label] = rows
            total_bytes += size
            entries.append(
                {
                    "model": plan.label,
                    "file": plan.file_name,
                    "rows": rows,
                    "bytes": size,
                    "sha256": digest.hexdigest(),
                    "fields": names,
                }
            )
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": ficarchive.__version__,
            "created_at": datetime.now(UTC).isoformat(),
            "source_engine": connection.vendor,
            "passwords": include_passwords,
            "emails": include_emails,
            "migrations": _applied_migrations(),
            "rebuilt_on_restore": sorted(REBUILT),
            "models": entries,
        }
    if progress is not None:
        progress(done, done)
    with open(directory / MANIFEST, "w", encoding="utf-8", opener=_private) as handle:
        handle.write(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return ExportSummary(
        path=directory,
        models=len(plans),
        rows=sum(counts.values()),
        bytes=total_bytes,
        counts=counts,
    )


# Restore -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    plan: ModelPlan
    rows: int
    sha256: str
    size: int


@dataclass
class Manifest:
    data: dict[str, Any]
    entries: list[Entry]
    skipped: list[str]


@dataclass
class RestoreSummary:
    models: int
    rows: int
    counts: dict[str, int]
    skipped: list[str]
    seconds: float = 0.0


FILE_NAME = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+\.jsonl$")


def read_manifest(directory: Path) -> Manifest:
    """Return the archive's manifest, checked against this version of ficarchive: each model
    must be known here (models of this version missing from the archive stay empty), each
    file present with the size the manifest gives."""
    path = directory / MANIFEST
    if not directory.is_dir():
        raise ArchiveError(f"{directory} is not a directory (an archive is a directory).")
    if not path.is_file():
        raise ArchiveError("missing: this directory is not an archive", file=MANIFEST)
    if path.stat().st_size > MANIFEST_MAX_BYTES:
        raise ArchiveError("too large to be a manifest", file=MANIFEST)
    try:
        data = json.loads(path.read_bytes().decode("utf-8"), parse_constant=_no_constants)
    except (ValueError, RecursionError) as error:
        raise ArchiveError(f"not valid JSON ({error})", file=MANIFEST) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArchiveError(f"not a {FORMAT} manifest", file=MANIFEST)
    if data.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"format version {data.get('format_version')!r}; this ficarchive reads version "
            f"{FORMAT_VERSION}",
            file=MANIFEST,
        )
    _check_migrations(data.get("migrations"))
    listed = data.get("models")
    if not isinstance(listed, list):
        raise ArchiveError("'models' must be a list", file=MANIFEST)
    plans = {plan.label: plan for plan in archive_plan()}
    entries: list[Entry] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for number, item in enumerate(listed, 1):
        where = f"models[{number}]"
        if not isinstance(item, dict):
            raise ArchiveError(f"{where} must be an object", file=MANIFEST)
        label, file_name = item.get("model"), item.get("file")
        rows, digest, size = item.get("rows"), item.get("sha256"), item.get("bytes")
        if not isinstance(label, str) or label in seen:
            raise ArchiveError(f"{where}: 'model' missing or listed twice", file=MANIFEST)
        seen.add(label)
        if file_name != f"{label}.jsonl" or not FILE_NAME.match(file_name):
            raise ArchiveError(f"{where}: 'file' must be {label}.jsonl", file=MANIFEST)
        if type(rows) is not int or rows < 0 or type(size) is not int or size < 0:
            raise ArchiveError(f"{where}: 'rows' and 'bytes' must be counts", file=MANIFEST)
        if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ArchiveError(f"{where}: 'sha256' must be 64 hex digits", file=MANIFEST)
        if label in REBUILT or label in NOT_ARCHIVED:
            skipped.append(label)
            continue
        if label not in plans:
            raise ArchiveError(
                f"{where}: this version of ficarchive has no model {label}", file=MANIFEST
            )
        if not (directory / file_name).is_file():
            raise ArchiveError("missing from the archive directory", file=file_name)
        entries.append(Entry(plan=plans[label], rows=rows, sha256=digest, size=size))
    order = {label: index for index, label in enumerate(plans)}
    entries.sort(key=lambda entry: order[entry.plan.label])
    return Manifest(data=data, entries=entries, skipped=skipped)


def _check_migrations(listed: Any) -> None:
    """Refuse an archive made by a newer ficarchive (a migration this version lacks)."""
    if not isinstance(listed, dict):
        raise ArchiveError("'migrations' must be an object", file=MANIFEST)
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    for app_label, names in sorted(listed.items()):
        if not isinstance(names, list):
            raise ArchiveError(f"'migrations' of {app_label} must be a list", file=MANIFEST)
        for name in names:
            if (app_label, name) not in known:
                raise ArchiveError(
                    f"made by a newer ficarchive (migration {app_label}.{name} is unknown "
                    "here): upgrade ficarchive, then restore",
                    file=MANIFEST,
                )


def content_counts() -> dict[str, int]:
    """Return the archived models that hold rows beyond what `migrate` creates, with counts:
    empty when the database is fit for a restore."""
    seeded = _seeded_rows()
    counts = {}
    for plan in archive_plan():
        rows = plan.model._base_manager.all()
        if plan.label in seeded:
            rows = rows.exclude(seeded[plan.label])
        if count := rows.count():
            counts[plan.label] = count
    return counts


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with open(path, "rb") as handle:
        yield from enumerate(handle, 1)


def verify_archive(
    directory: Path, manifest: Manifest, decoder: Decoder, progress: Progress | None = None
) -> int:
    """Read every file once, checking each line and each file's checksum, size and row count
    against the manifest; write nothing. Returns the number of rows."""
    total = sum(entry.rows for entry in manifest.entries)
    done = 0
    for entry in manifest.entries:
        name = entry.plan.file_name
        digest = hashlib.sha256()
        rows = size = 0
        for number, raw in _lines(directory / name):
            digest.update(raw)
            size += len(raw)
            decode_line(entry.plan, raw, decoder, file=name, line=number)
            rows = number
            done += 1
            if progress is not None and done % 1000 == 0:
                progress(min(done, total), total)
        if rows != entry.rows:
            raise ArchiveError(
                f"holds {rows:,} rows where the manifest says {entry.rows:,} (truncated?)",
                file=name,
            )
        if size != entry.size or digest.hexdigest() != entry.sha256:
            raise ArchiveError(
                "checksum mismatch: the file is not the one the manifest lists (damaged?)",
                file=name,
            )
    if progress is not None:
        progress(total, total)
    return total


def _insert(plan: ModelPlan, objects: list[models.Model]) -> None:
    """Insert rows as they are (ids, timestamps set by auto_now included)."""
    query = InsertQuery(plan.model)
    query.insert_values(plan.fields(), objects, raw=True)
    query.get_compiler(using=DEFAULT_DB_ALIAS).execute_sql(None)


def restore_archive(
    directory: Path,
    *,
    batch_size: int = 500,
    verified: Progress | None = None,
    restored: Progress | None = None,
) -> RestoreSummary:
    """Restore an archive into this database, which must be empty (`content_counts()`): check
    the manifest and every line and checksum first, then insert every row in one transaction,
    check the foreign keys, reset PostgreSQL's sequences and rebuild the derived tables.
    Raises ArchiveError, with nothing written, when anything is wrong."""
    started = time.monotonic()
    manifest = read_manifest(directory)
    _check_empty()
    decoder = Decoder(Keys.load())
    total = verify_archive(directory, manifest, decoder, verified)
    connection = connections[DEFAULT_DB_ALIAS]
    counts = {}
    with transaction.atomic():
        _check_empty()  # again, inside the transaction: nothing was added meanwhile
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA defer_foreign_keys = ON")
        seeded = _seeded_rows()
        for entry in reversed(manifest.entries):
            if entry.plan.label in seeded:
                entry.plan.model._base_manager.filter(seeded[entry.plan.label]).delete()
        done = 0
        for entry in manifest.entries:
            counts[entry.plan.label] = _load(entry, directory, decoder, batch_size)
            done += entry.rows
            if restored is not None:
                restored(done, total)
        models_loaded = [entry.plan.model for entry in manifest.entries]
        try:
            connection.check_constraints(
                table_names=[model._meta.db_table for model in models_loaded]
            )
        except DatabaseError as error:
            raise ArchiveError(f"the rows do not fit together: {error}") from None
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models_loaded):
                cursor.execute(statement)
        _rebuild()
    return RestoreSummary(
        models=len(manifest.entries),
        rows=sum(counts.values()),
        counts=counts,
        skipped=manifest.skipped,
        seconds=time.monotonic() - started,
    )


def _check_empty() -> None:
    if counts := content_counts():
        listing = ", ".join(
            f"{label}: {count:,} row{'' if count == 1 else 's'}" for label, count in counts.items()
        )
        raise ArchiveError(
            f"The database is not empty ({listing}). Restore into a new, migrated database."
        )


def _load(entry: Entry, directory: Path, decoder: Decoder, batch_size: int) -> int:
    name = entry.plan.file_name
    connection = connections[DEFAULT_DB_ALIAS]
    fields = entry.plan.fields()
    # Stay under the engine's limit of parameters per statement (SQLite's may be 999).
    size = max(1, min(batch_size, (connection.features.max_query_params or 65_535) // len(fields)))
    batch: list[models.Model] = []
    first = 1
    rows = 0

    def flush(last: int) -> None:
        try:
            with transaction.atomic():
                _insert(entry.plan, batch)
            return
        except DatabaseError:
            pass
        # Find the row the database refuses, to name its line (the restore fails anyway).
        for number, obj in enumerate(batch, first):
            try:
                with transaction.atomic():
                    _insert(entry.plan, [obj])
            except DatabaseError as error:
                raise ArchiveError(
                    f"the database refused the row: {error}", file=name, line=number
                ) from None
        raise ArchiveError(  # pragma: no cover - a batch fails only through one of its rows
            f"lines {first}-{last}: the database refused the rows", file=name
        )

    pending = 0
    for number, raw in _lines(directory / name):
        batch.append(
            entry.plan.model(**decode_line(entry.plan, raw, decoder, file=name, line=number))
        )
        rows = number
        pending += len(raw)
        # Long chapters: a batch also ends at BATCH_BYTES, so memory stays flat.
        if len(batch) >= size or pending >= BATCH_BYTES:
            flush(number)
            batch = []
            first = number + 1
            pending = 0
    if batch:
        flush(rows)
    return rows


def _rebuild() -> None:
    """Rebuild the derived tables (REBUILT) from the restored rows."""
    from django.contrib.auth.models import Group

    from ficarchive.search.index import reindex_all
    from ficarchive.tags.actions import ensure_fixed_tags
    from ficarchive.tags.filtering import refresh_all_filter_tags
    from ficarchive.tags.models import WRANGLER_GROUP

    # What migrations create, in case the archive came from a database without it.
    ensure_fixed_tags()
    Group.objects.get_or_create(name=WRANGLER_GROUP)
    refresh_all_filter_tags()
    reindex_all()
