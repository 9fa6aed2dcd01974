"""The bulk demo loader: archives of a million works in minutes.

`build_demo` (in `build.py`) posts each work through the actions, which is the honest path
but takes tens of milliseconds a work. `build_bulk` plans the same kind of works with `shapes`
and writes the rows the actions would write straight into the tables: executemany on SQLite,
COPY on PostgreSQL, a batch of works at a time, all in one transaction (an interrupted load
leaves the archive as it was). Around the load it drops the tables' secondary indexes and
builds them again afterwards, loosens SQLite's durability settings (the archive is new: a
crash means starting again) and runs ANALYZE at the end.

What it writes, and how it matches the actions:

- accounts: the `demo` login through `sign_up` (a real password); every other account with
  an unusable password (nobody logs in as them) and its default pseud, some with another pseud;
- tags in a wrangled state (`wrangle_demo_tags`: canonical tags, synonyms, meta tags, fandom
  parents), relationship tags canonical under their fandom as they first appear;
- works, chapters, creatorships and work tags; `title_sort` from `title_sort_key`; the filter
  tags each work gets from `refresh_filter_tags` (computed here from the same wrangling rows);
  the full-text index rows `ficarchive.search.index` would write;
- HTML made by the text pipeline itself: summaries, notes and chapter texts are drawn from pools
  rendered once with `render_text` (so every stored HTML is the pipeline's output) and read
  back with `html_to_text` for the index. Without `text`, a chapter holds a short passage and
  keeps its planned word count, so listings, word filters and sorts behave as on a full archive;
  with `text`, chapters are built from pooled paragraphs up to their planned length and their
  word counts are the words they hold;
- kudos, hits, bookmarks and comments counts with skewed (log-normal) distributions that grow
  with a work's age, so sorting by them means something.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing.pool import AsyncResult
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from ficarchive.accounts.models import Pseud, User
from ficarchive.demo import prose, shapes, vocabulary
from ficarchive.demo.build import (
    _NAME_FIRST,
    _NAME_SECOND,
    ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    DemoSummary,
    _make_author,
    author_count,
)
from ficarchive.demo.wrangling import wrangle_demo_tags
from ficarchive.search.models import TABLE as SEARCH_TABLE
from ficarchive.search.query import words_of
from ficarchive.tags.models import FilterTagging, Tag, TagParent
from ficarchive.text import html_to_text, render_text
from ficarchive.works.models import Chapter, Creatorship, Status, Work, WorkTag, title_sort_key

BULK_THRESHOLD = 2_000  # `ficarchive demo` loads more works than this in bulk
BATCH_WORKS = 5_000  # works generated and written per round of inserts
PARALLEL_FROM = 50_000  # from this many works, forked processes generate rows while one writes
TEXT_POOL_WORDS = 150_000  # words of distinct paragraphs per fandom that chapter texts draw from
WORKS_PER_AUTHOR = 10  # about as many works per creator as AO3 has
EXTRA_PSEUD_SHARE = 0.15
COAUTHOR_SHARE = 0.03
OTHER_LANGUAGES = {"es": 0.02, "fr": 0.01, "de": 0.01, "zh": 0.015, "ru": 0.01, "pt": 0.005}
LOADED_MODELS: tuple[type[models.Model], ...] = (
    User,
    Pseud,
    Tag,
    TagParent,
    Work,
    Chapter,
    Creatorship,
    WorkTag,
    FilterTagging,
)


# --- Pools of pipeline-rendered text ------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """A piece of text as the archive stores it: the source the author wrote (HTML), the HTML
    the pipeline made from it, its plain text as the search index reads it, its counts."""

    source: str
    html: str
    text: str
    words: int
    paragraphs: int


def render(source: str, *, paragraph_ids: bool) -> Rendered:
    """Return the source (HTML) run through the text pipeline, as the posting actions do."""
    if not source.strip():
        return Rendered("", "", "", 0, 0)
    result = render_text(source, "html", paragraph_ids=paragraph_ids)
    text = html_to_text(result.html, sanitized=True) if result.html else ""
    return Rendered(source, result.html, text, result.word_count, result.paragraphs)


@dataclass(frozen=True)
class _Paragraph:
    inner: str  # the HTML inside <p id="pN">...</p>
    text: str
    words: int


@dataclass
class _FandomPool:
    summaries: list[Rendered]
    romance_summaries: list[Rendered]
    author_notes: list[Rendered]
    passages: list[Rendered]  # short stand-in chapter texts
    paragraphs: list[_Paragraph] = field(default_factory=list)  # for full chapter texts


def _cast(rng: random.Random, fandom: shapes.Fandom) -> list[prose.Character]:
    cast = list(fandom.characters)
    rng.shuffle(cast)
    return cast


def _paragraph(text: str) -> _Paragraph:
    rendered = render(prose.render_blocks([prose.Paragraph(text)], "html"), paragraph_ids=False)
    inner = rendered.html.strip()
    if not (inner.startswith("<p>") and inner.endswith("</p>")):  # pragma: no cover
        raise ValueError(f"Unexpected paragraph HTML: {inner!r}")
    return _Paragraph(inner[3:-4], rendered.text, rendered.words)


def _fandom_pool(rng: random.Random, fandom: shapes.Fandom, *, text: bool) -> _FandomPool:
    setting = fandom.setting

    def note(value: str) -> Rendered:
        return render(prose.render_note(value, "html"), paragraph_ids=False)

    pool = _FandomPool(
        summaries=[
            note(prose.work_summary(rng, _cast(rng, fandom), setting, romance=False))
            for _ in range(150)
        ],
        romance_summaries=[
            note(prose.work_summary(rng, _cast(rng, fandom), setting, romance=True))
            for _ in range(150)
        ],
        author_notes=[note(prose.author_note(rng, setting)) for _ in range(60)],
        passages=[
            render(
                prose.render_blocks(
                    prose.chapter_blocks(rng, _cast(rng, fandom), setting, rng.randint(40, 110)),
                    "html",
                ),
                paragraph_ids=True,
            )
            for _ in range(200)
        ],
    )
    if text:
        # Chapter text in a natural vocabulary (Zipf over tens of thousands of words), so that
        # full-text search meets common and rare words as it would in real fiction.
        seen: set[str] = set()
        words = 0
        while words < TEXT_POOL_WORDS:
            paragraph = vocabulary.zipf_paragraph(rng)
            if paragraph not in seen:
                seen.add(paragraph)
                rendered = _paragraph(paragraph)
                pool.paragraphs.append(rendered)
                words += rendered.words
    return pool


def compose_chapter(rng: random.Random, paragraphs: Sequence[_Paragraph], words: int) -> Rendered:
    """Return a chapter of at least `words` words made of pooled paragraphs, with scene breaks
    every 500 to 1,600 words, in the HTML the pipeline makes (paragraph ids p1, p2, ...)."""
    parts: list[str] = []
    texts: list[str] = []
    total = count = 0
    scene_left = rng.randint(500, 1_600)
    while total < words:
        if scene_left <= 0:
            parts.append("<hr>")
            texts.append("* * *")
            scene_left = rng.randint(500, 1_600)
        paragraph = paragraphs[rng.randrange(len(paragraphs))]
        count += 1
        parts.append(f'<p id="p{count}">{paragraph.inner}</p>')
        texts.append(paragraph.text)
        total += paragraph.words
        scene_left -= paragraph.words
    html = "\n".join(parts) + "\n"
    return Rendered(html, html, "\n\n".join(texts), total, count)


# --- Writing rows -------------------------------------------------------------------------------


class _Table:
    """Column order and defaults for bulk rows of one model: `row(**values)` returns a tuple
    with every concrete column, the model's defaults (adapted for the database) filling the
    ones not given."""

    def __init__(self, model: type[models.Model], *, with_id: bool = True) -> None:
        self.model = model
        self.name = model._meta.db_table
        fields = [
            f
            for f in model._meta.concrete_fields
            if with_id or not getattr(f, "primary_key", False)
        ]
        self.attnames = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.defaults: dict[str, Any] = {}
        for f in fields:
            # get_default() is "" for text columns without a default, as Model() would have.
            self.defaults[f.attname] = f.get_db_prep_save(f.get_default(), connection)

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        defaults = self.defaults
        return tuple(values[a] if a in values else defaults[a] for a in self.attnames)


class _Writer:
    """Inserts rows in bulk: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self) -> None:
        self.postgresql = connection.vendor == "postgresql"

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        raw: Any = connection.connection
        if self.postgresql:
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            raw.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)  # noqa: S608

    def insert_model(self, table: _Table, rows: Sequence[tuple[Any, ...]]) -> None:
        self.insert(table.name, table.columns, rows)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def secondary_indexes(self, tables: Sequence[str]) -> list[tuple[str, str]]:
        """Return (name, CREATE statement) of the tables' indexes that no constraint needs."""
        with connection.cursor() as cursor:
            if self.postgresql:
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
                    "current_schema() AND tablename = ANY(%s) AND indexname NOT IN "
                    "(SELECT conname FROM pg_constraint)",
                    [list(tables)],
                )
            else:
                marks = ", ".join(["%s"] * len(tables))
                query = (
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT "  # noqa: S608
                    f"NULL AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name IN ({marks})"
                )
                cursor.execute(query, list(tables))
            return [(str(name), str(sql)) for name, sql in cursor.fetchall()]


@dataclass
class _Rows:
    works: list[tuple[Any, ...]] = field(default_factory=list)
    chapters: list[tuple[Any, ...]] = field(default_factory=list)
    creatorships: list[tuple[Any, ...]] = field(default_factory=list)
    work_tags: list[tuple[int, int, int]] = field(default_factory=list)
    filter_tags: list[tuple[int, int]] = field(default_factory=list)
    search: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class _Author:
    user_id: int
    pseuds: list[tuple[int, str]]  # (id, name), the default pseud first


@dataclass
class _Totals:
    works: int = 0
    drafts: int = 0
    chapters: int = 0
    words: int = 0


def _counters(rng: random.Random, plan: shapes.WorkPlan, chapters: int) -> dict[str, int]:
    """Return kudos, hits, bookmarks and comments counts for a posted work: log-normal, larger
    for older, longer and chaptered works, fewer hits for registered-only ones."""
    age = plan.age_days / shapes.DAYS_SPAN
    base = 60 + 1_500 * math.sqrt(age) * (1 + min(chapters, 20) / 6)
    if plan.restricted:
        base *= 0.5
    hits = int(rng.lognormvariate(math.log(base), 1.25))
    kudos = min(hits, int(hits * rng.lognormvariate(math.log(0.06), 0.5)))
    bookmarks = int(kudos * rng.lognormvariate(math.log(0.12), 0.6))
    comments = int(kudos * rng.lognormvariate(math.log(0.08), 0.9) * math.sqrt(chapters))
    return {
        "hit_count": hits,
        "kudos_count": kudos,
        "bookmark_count": bookmarks,
        "comment_count": comments,
    }


def _sqlite_datetime(value: datetime) -> str:
    # What Django's SQLite backend stores for an aware UTC datetime (every date here is one).
    return str(value.replace(tzinfo=None))


def _same_datetime(value: datetime) -> datetime:
    return value


class _Loader:
    """Makes the demo's accounts and tags (in this process), then the rows of each batch of
    works (`generate_batch`, pure computation, which worker processes can run)."""

    def __init__(
        self, rng: random.Random, works: int, *, text: bool, max_words: int, now: datetime
    ) -> None:
        self.rng = rng
        self.seed = rng.getrandbits(64)
        self.works = works
        self.text = text
        self.max_words = max_words
        self.now = now
        self.writer = _Writer()
        self.postgresql = self.writer.postgresql
        self.tables = {m: _Table(m) for m in (User, Pseud, Tag, Work)}
        self.chapter_table = _Table(Chapter, with_id=False)
        self.adapt = _same_datetime if self.postgresql else _sqlite_datetime
        self.rows = _Rows()
        self.authors: list[_Author] = []
        self.cum_weights: list[float] = []
        self.first_work_id = 0
        self.totals = _Totals()
        self.next_id: dict[type[models.Model], int] = {}
        self.tag_ids: dict[str, int] = {}
        self.tag_names: dict[int, str] = {}
        self.closure: dict[int, tuple[int, ...]] = {}
        self.top_fandoms: set[int] = set()
        self.fandom_synonyms: dict[str, list[str]] = {}
        for synonym, canonical in shapes.FANDOM_SYNONYMS.items():
            self.fandom_synonyms.setdefault(canonical, []).append(synonym)
        pool_rng = random.Random(rng.getrandbits(64))
        self.pools = {f.name: _fandom_pool(pool_rng, f, text=text) for f in shapes.FANDOMS}
        self.chapter_notes = {
            n: render(prose.render_note(n, "html"), paragraph_ids=False)
            for n in sorted({prose.chapter_note(pool_rng) for _ in range(400)})
        }
        self.end_notes = {
            n: render(prose.render_note(n, "html"), paragraph_ids=False)
            for n in sorted({prose.end_note(pool_rng) for _ in range(400)})
        }
        self.languages = ["en", *OTHER_LANGUAGES]
        self.language_weights = [1 - sum(OTHER_LANGUAGES.values()), *OTHER_LANGUAGES.values()]

    # ids --------------------------------------------------------------------------------------

    def _first_id(self, model: type[models.Model]) -> int:
        last = model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0
        return int(last) + 1

    def take_id(self, model: type[models.Model]) -> int:
        value = self.next_id.get(model) or self._first_id(model)
        self.next_id[model] = value + 1
        return value

    # accounts ---------------------------------------------------------------------------------

    def make_authors(self, count: int) -> tuple[list[_Author], bool]:
        """Return the authors (the demo login first) and whether the demo login was created."""
        demo, demo_created = _make_author(DEMO_USERNAME, *ACCOUNTS[0][1:])
        authors = [_Author(demo.user.pk, [(p.pk, p.name) for p in demo.pseuds])]
        taken = {u.lower() for u in User.objects.values_list("username", flat=True)}
        user_rows: list[tuple[Any, ...]] = []
        pseud_rows: list[tuple[Any, ...]] = []
        rng = self.rng
        index = 0
        while len(authors) < count:
            index += 1
            if index < len(ACCOUNTS):
                username, extra, bio = ACCOUNTS[index]
            else:
                username = f"{rng.choice(_NAME_FIRST)}_{rng.choice(_NAME_SECOND)}{index}"
                extra, bio = (), ""
                if rng.random() < EXTRA_PSEUD_SHARE:
                    extra = (f"{rng.choice(_NAME_SECOND).title()} {index}",)
            if username.lower() in taken:
                continue
            taken.add(username.lower())
            joined = self.now - timedelta(days=rng.uniform(shapes.DAYS_SPAN, 3 * shapes.DAYS_SPAN))
            user_id = self.take_id(User)
            user_rows.append(
                self.tables[User].row(
                    {
                        "id": user_id,
                        "password": make_password(None),
                        "username": username,
                        "email": f"{username}@example.org",
                        "bio": bio,
                        "date_joined": self.adapt(joined),
                        "is_active": True,
                    }
                )
            )
            pseuds = []
            for position, name in enumerate((username, *extra)):
                pseud_id = self.take_id(Pseud)
                pseuds.append((pseud_id, name))
                pseud_rows.append(
                    self.tables[Pseud].row(
                        {
                            "id": pseud_id,
                            "user_id": user_id,
                            "name": name,
                            "is_default": position == 0,
                            "created_at": self.adapt(joined),
                        }
                    )
                )
            authors.append(_Author(user_id, pseuds))
        self.writer.insert_model(self.tables[User], user_rows)
        self.writer.insert_model(self.tables[Pseud], pseud_rows)
        return authors, demo_created

    # tags -------------------------------------------------------------------------------------

    def load_tags(self) -> None:
        """Read every tag and parent link, and compute each tag's filter tags the way
        `ficarchive.tags.filtering` does: the tag (or its canonical tag) and its same-type
        ancestors."""
        types: dict[int, str] = {}
        mergers: dict[int, int | None] = {}
        for pk, name, tag_type, merger in Tag.objects.values_list("pk", "name", "type", "merger"):
            self.tag_ids[name.lower()] = pk
            self.tag_names[pk] = name
            types[pk] = tag_type
            mergers[pk] = merger
        parents: dict[int, list[int]] = {}
        for child, parent in TagParent.objects.values_list("child_id", "parent_id"):
            parents.setdefault(child, []).append(parent)
        for pk in types:
            start = mergers[pk] or pk
            found = {start}
            todo = [start]
            while todo:
                current = todo.pop()
                for parent in parents.get(current, ()):
                    if types[parent] == types[current] and parent not in found:
                        found.add(parent)
                        todo.append(parent)
            self.closure[pk] = tuple(sorted(found))
        # Fandoms with no meta fandom above them: a work whose filter tags hold two of these
        # is a crossover (ficarchive.tags.filtering._crossover_sql).
        self.top_fandoms = {
            pk
            for pk, tag_type in types.items()
            if tag_type == "fandom" and not any(types[p] == "fandom" for p in parents.get(pk, ()))
        }

    def tag_id(self, name: str) -> int:
        """Return the id of the demo tag with this name (`wrangle_demo_tags(complete=True)`
        made every tag a plan can use)."""
        pk = self.tag_ids.get(name.lower())
        if pk is None:  # pragma: no cover - shapes and the wrangling list disagree
            raise LookupError(f"The demo's wrangled tags lack “{name}”.")
        return pk

    def prepare(self) -> None:
        """Make the accounts-independent state the batches need: author weights, work ids."""
        running = 0.0
        for weight in shapes.author_weights(len(self.authors)):
            running += weight
            self.cum_weights.append(running)
        self.first_work_id = self._first_id(Work)

    def generate_batch(self, batch: int) -> tuple[_Rows, _Totals]:
        """Return the rows of the works of one batch (BATCH_WORKS works; the same seed and
        batch always give the same rows) and what they add up to."""
        self.rows, self.totals = _Rows(), _Totals()
        rng = random.Random(self.seed * 1_000_003 + batch)
        demo = self.authors[0]
        for index in range(batch * BATCH_WORKS, min(self.works, (batch + 1) * BATCH_WORKS)):
            work_rng = random.Random(rng.getrandbits(64))
            plan = shapes.plan_work(work_rng, max_words=self.max_words)
            author = rng.choices(self.authors, cum_weights=self.cum_weights)[0]
            if plan.draft and rng.random() < 0.5:
                author = demo  # give the demo login a draft or two to look at
            elif index == self.works - 1 and self.works >= 5:
                # The demo login should see a draft of its own, even when chance gave it none.
                plan, author = shapes.as_draft(plan), demo
            self.add_work(self.first_work_id + index, work_rng, plan, author)
        return self.rows, self.totals

    # works ------------------------------------------------------------------------------------

    def add_work(
        self, work_id: int, work_rng: random.Random, plan: shapes.WorkPlan, author: _Author
    ) -> None:
        rng = work_rng
        adapt = self.adapt
        pool = self.pools[plan.fandoms[0]]
        posted = not plan.draft
        title = prose.work_title(rng, plan.cast, plan.setting)
        summary = (
            rng.choice(pool.romance_summaries if plan.romance else pool.summaries)
            if rng.random() < 0.95
            else render("", paragraph_ids=False)
        )
        notes = rng.choice(pool.author_notes) if rng.random() < 0.55 else None
        end_notes = self.end_notes[prose.end_note(rng)] if rng.random() < 0.35 else None

        start = self.now - timedelta(days=plan.age_days)
        chapter_words = list(plan.chapter_words)
        n_posted = len(chapter_words) if posted else 0
        if posted and plan.draft_chapter_words:
            chapter_words.append(plan.draft_chapter_words)
        dates = [start + timedelta(days=offset) for offset in plan.chapter_days]
        last = dates[-1]
        titled = len(plan.chapter_words) > 1 and rng.random() < 0.45
        meta: list[str] = [summary.text, notes.text if notes else ""]
        bodies: list[str] = []
        words = 0
        for index, planned in enumerate(chapter_words):
            position = index + 1
            is_posted = index < n_posted
            if self.text:
                body = compose_chapter(rng, pool.paragraphs, planned)
                counted = body.words
            else:
                body = rng.choice(pool.passages)
                counted = planned
            chapter_title = ""
            if titled and index < len(plan.chapter_words):
                is_last = position == len(plan.chapter_words) and (
                    plan.complete or len(plan.chapter_words) == 1
                )
                chapter_title = prose.chapter_title(rng, plan.setting, last=is_last)
            chapter_notes = chapter_end = None
            if index > 0 and index < len(plan.chapter_words):
                if rng.random() < 0.35:
                    chapter_notes = self.chapter_notes[prose.chapter_note(rng)]
                if rng.random() < 0.15:
                    chapter_end = self.end_notes[prose.end_note(rng)]
            if plan.draft:
                created = updated = start
                published = None
            elif is_posted:
                published = updated = dates[index]
                created = published - timedelta(hours=1)
            else:  # an unposted chapter, begun after the last posted one
                created = updated = last + (self.now - last) / 2
                published = None
            self.rows.chapters.append(
                self.chapter_table.row(
                    {
                        "work_id": work_id,
                        "position": position,
                        "title": chapter_title,
                        "notes": chapter_notes.source if chapter_notes else "",
                        "notes_html": chapter_notes.html if chapter_notes else "",
                        "end_notes": chapter_end.source if chapter_end else "",
                        "end_notes_html": chapter_end.html if chapter_end else "",
                        "text": body.source,
                        "text_format": "html",
                        "html": body.html,
                        "word_count": counted,
                        "paragraph_count": body.paragraphs,
                        "posted": is_posted,
                        "created_at": adapt(created),
                        "published_at": adapt(published) if published else None,
                        "updated_at": adapt(updated),
                    }
                )
            )
            if is_posted:
                words += counted
                meta += [
                    chapter_title,
                    chapter_notes.text if chapter_notes else "",
                    chapter_end.text if chapter_end else "",
                ]
                bodies.append(body.text)
        meta.append(end_notes.text if end_notes else "")

        fandom_filters = {pk for name in plan.fandoms for pk in self.closure[self.tag_id(name)]}
        values: dict[str, Any] = {
            "id": work_id,
            "crossover": len(fandom_filters & self.top_fandoms) >= 2,
            "title": title,
            "title_sort": title_sort_key(title),
            "summary": summary.source,
            "summary_html": summary.html,
            "notes": notes.source if notes else "",
            "notes_html": notes.html if notes else "",
            "end_notes": end_notes.source if end_notes else "",
            "end_notes_html": end_notes.html if end_notes else "",
            "text_format": "html",
            "rating": plan.rating,
            "language": rng.choices(self.languages, weights=self.language_weights)[0],
            "expected_chapters": plan.expected_chapters,
            "complete": plan.complete,
            "status": Status.POSTED.value if posted else Status.DRAFT.value,
            "restricted": plan.restricted,
            "word_count": words,
            "chapter_count": n_posted,
            "allow_guest_kudos": rng.random() < 0.9,
            "moderate_comments": rng.random() < 0.03,
            "comment_permission": "registered" if rng.random() < 0.05 else "anyone",
        }
        if posted:
            values |= {
                "created_at": adapt(start - timedelta(hours=1)),
                "published_at": adapt(start),
                "updated_at": adapt(last),
                "revised_at": adapt(last),
                **_counters(rng, plan, n_posted),
            }
        else:
            values |= {"created_at": adapt(start), "revised_at": adapt(start)}
        self.rows.works.append(self.tables[Work].row(values))

        # Creators: most works by one pseud of one author; a few co-written.
        pseud_id, pseud_name = (
            author.pseuds[0] if rng.random() < 0.75 else rng.choice(author.pseuds)
        )
        creators = [(pseud_id, pseud_name)]
        if posted and rng.random() < COAUTHOR_SHARE:
            other = self.authors[rng.randrange(len(self.authors))]
            if other.user_id != author.user_id:
                creators.append(other.pseuds[0])
        for position, (pk, _name) in enumerate(creators):
            self.rows.creatorships.append((work_id, pk, position))

        # Tags, and the filter tags refresh_filter_tags would give them.
        fandom = plan.fandoms[0]
        fandoms = list(plan.fandoms)
        synonyms = self.fandom_synonyms.get(fandom)
        if synonyms and rng.random() < shapes.FANDOM_SYNONYM_SHARE:
            fandoms[0] = rng.choice(synonyms)
        tag_ids: dict[int, None] = {}
        for names in (
            fandoms,
            plan.relationships,
            plan.characters,
            plan.freeforms,
            plan.warnings,
            plan.categories,
        ):
            for name in names:
                tag_ids[self.tag_id(name)] = None
        filter_ids: set[int] = set()
        for position, pk in enumerate(tag_ids):  # the plan's order, as _set_tags keeps it
            self.rows.work_tags.append((work_id, pk, position))
            filter_ids.update(self.closure[pk])
        self.rows.filter_tags += [(work_id, pk) for pk in sorted(filter_ids)]

        if posted:
            tag_names = sorted(self.tag_names[pk] for pk in tag_ids)
            self.rows.search.append(
                self._search_row(
                    work_id,
                    title,
                    "\n".join(tag_names),
                    "\n".join(name for _pk, name in creators),
                    "\n\n".join(m for m in meta if m),
                    "\n\n".join(b for b in bodies if b),
                )
            )
        self.totals.works += 1
        self.totals.drafts += plan.draft
        self.totals.chapters += len(chapter_words)
        self.totals.words += words

    def _search_row(
        self, work_id: int, title: str, tags: str, creators: str, meta: str, body: str
    ) -> tuple[Any, ...]:
        """Return the index row `ficarchive.search.index` writes for this work: FTS5 columns
        on SQLite; on PostgreSQL the words as `words_of` splits them, and the snippet text."""
        if not self.postgresql:
            return (work_id, title, tags, creators, meta, body)

        def words(value: str) -> str:
            return " ".join(word.lower() for word in words_of(value))

        content = "\n\n".join(part for part in (body, meta, tags, creators, title) if part)
        return (
            work_id,
            words(title),
            words(f"{tags}\n{creators}"),
            words(meta),
            words(body),
            content,
        )

    def write(self, rows: _Rows) -> None:
        """Write one batch's rows."""
        writer = self.writer
        writer.insert_model(self.tables[Work], rows.works)
        writer.insert_model(self.chapter_table, rows.chapters)
        writer.insert(
            Creatorship._meta.db_table, ["work_id", "pseud_id", "position"], rows.creatorships
        )
        writer.insert(WorkTag._meta.db_table, ["work_id", "tag_id", "position"], rows.work_tags)
        writer.insert(FilterTagging._meta.db_table, ["work_id", "tag_id"], rows.filter_tags)
        if self.postgresql:
            writer.insert(
                "demo_search_load",
                ["rowid", "title", "tags", "meta", "body", "content"],
                rows.search,
            )
        else:
            writer.insert(
                SEARCH_TABLE, ["rowid", "title", "tags", "creators", "meta", "body"], rows.search
            )


# The loader of the running bulk load, for worker processes (forked: they inherit it).
_ACTIVE: _Loader | None = None


def _generate_in_worker(batch: int) -> tuple[_Rows, _Totals]:
    if _ACTIVE is None:  # pragma: no cover
        raise RuntimeError("No bulk load is running.")
    return _ACTIVE.generate_batch(batch)


def _generated(loader: _Loader, batches: int, workers: int) -> Iterator[tuple[_Rows, _Totals]]:
    """Yield each batch's rows in order: made here, or by `workers` forked processes (a few
    batches ahead, so memory stays bounded) while this process writes."""
    global _ACTIVE
    if workers <= 1 or batches <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for batch in range(batches):
            yield loader.generate_batch(batch)
        return
    _ACTIVE = loader
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pending: deque[AsyncResult[tuple[_Rows, _Totals]]] = deque()
            submitted = 0
            while submitted < batches or pending:
                while submitted < batches and len(pending) < 2 * workers:
                    pending.append(pool.apply_async(_generate_in_worker, (submitted,)))
                    submitted += 1
                yield pending.popleft().get()
    finally:
        _ACTIVE = None


_PG_SEARCH_FROM_LOAD = f"""
INSERT INTO {SEARCH_TABLE} (rowid, {SEARCH_TABLE}, content)
SELECT rowid,
    setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', tags), 'B')
    || setweight(to_tsvector('simple', meta), 'C') || setweight(to_tsvector('simple', body), 'D'),
    content
FROM demo_search_load
"""  # noqa: S608 (constants)


def _sqlite_pragmas(load: bool) -> None:
    """Loosen SQLite for a one-off load of a new archive (no journal on disk, no fsync, no
    foreign-key checks: rows are made consistent here), or put the settings back."""
    statements = (
        [
            "PRAGMA journal_mode=MEMORY",
            "PRAGMA synchronous=OFF",
            "PRAGMA foreign_keys=OFF",
            "PRAGMA cache_size=-1048576",
        ]
        if load
        else [
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA cache_size=-65536",
        ]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def build_bulk(
    works: int,
    seed: int,
    *,
    text: bool = False,
    max_words: int = shapes.DEFAULT_MAX_WORDS,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Create demo accounts and `works` works (drafts included) by writing their rows in bulk,
    in one transaction, calling `progress(done, works)` after each batch. The same seed gives
    the same archive. Returns a summary of what was made."""
    started = time.monotonic()
    rng = random.Random(seed)
    now = timezone.now()
    # PRAGMAs that change the journal only work outside a transaction (not in tests).
    tune = connection.vendor == "sqlite" and not connection.in_atomic_block
    totals = _Totals()
    loader = _Loader(rng, works, text=text, max_words=max_words, now=now)
    writer = loader.writer
    if tune:
        _sqlite_pragmas(load=True)
    try:
        with transaction.atomic():
            connection.ensure_connection()
            if loader.postgresql:
                _postgresql_load_settings()
                writer.execute(
                    "CREATE TEMPORARY TABLE demo_search_load (rowid bigint, title text, "
                    "tags text, meta text, body text, content text) ON COMMIT DROP"
                )
            tables = [m._meta.db_table for m in LOADED_MODELS] + [SEARCH_TABLE]
            indexes = writer.secondary_indexes(tables)
            for name, _sql in indexes:
                writer.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            wrangle_demo_tags(complete=True)
            authors, demo_created = loader.make_authors(
                max(author_count(works), works // WORKS_PER_AUTHOR)
            )
            loader.authors = authors
            loader.load_tags()
            loader.prepare()
            batches = -(-works // BATCH_WORKS)
            workers = 1 if works < PARALLEL_FROM else min(2, os.cpu_count() or 1)
            done = 0
            for rows, counted in _generated(loader, batches, workers):
                loader.write(rows)
                for name in ("works", "drafts", "chapters", "words"):
                    setattr(totals, name, getattr(totals, name) + getattr(counted, name))
                done = totals.works
                if progress is not None:
                    progress(done, works)
            if loader.postgresql:
                writer.execute(_PG_SEARCH_FROM_LOAD)
            for _name, sql in indexes:
                writer.execute(sql)
            if loader.postgresql:
                with connection.cursor() as cursor:
                    for statement in connection.ops.sequence_reset_sql(
                        no_style(), list(LOADED_MODELS)
                    ):
                        cursor.execute(statement)
            else:
                writer.execute(
                    f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('optimize')"  # noqa: S608
                )
    finally:
        if tune:
            _sqlite_pragmas(load=False)
    _analyze(tables)
    pseuds = Pseud.objects.filter(user_id__in=[a.user_id for a in authors]).count()
    return DemoSummary(
        users=len(authors),
        pseuds=pseuds,
        works=totals.works,
        drafts=totals.drafts,
        chapters=totals.chapters,
        words=totals.words,
        seconds=time.monotonic() - started,
        username=DEMO_USERNAME,
        password=DEMO_PASSWORD if demo_created else None,
    )


def _postgresql_load_settings() -> None:
    """Within the load's transaction: more memory for index builds, and, for a superuser, no
    foreign-key triggers (each inserted row would queue a deferred check until commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


def _analyze(tables: Iterable[str]) -> None:
    """Refresh the query planner's statistics after the load."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        else:
            # A sample per index is plenty for the planner, and quick on a large archive.
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
