"""A suspended account changes nothing through any door.

The walk below takes every URL pattern the site has (whatever apps add later), fills its path
parameters with real objects, and POSTs every form the site shows for that address plus
plausible data of its own, as a suspended member; API patterns get every write method with a
body made from the operation's schema and the member's token. After each request the whole
database must be as it was. `ficarchive import --author` is refused the same way.

What a suspended member may still do (as on AO3, a suspension stops contributing, not the
member's rights over their own account and private data) is listed in ALLOWED with the reason.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

from ficarchive.accounts.actions import add_pseud, sign_up
from ficarchive.api.actions import create_token
from ficarchive.api.schema import SCHEMAS, Schema
from ficarchive.api.views import OPERATIONS
from ficarchive.bookmarks.actions import BookmarkInput, save_bookmark
from ficarchive.collections.actions import CollectionInput, create_collection
from ficarchive.collections.actions import add_work as add_to_collection
from ficarchive.comments.actions import CommentInput, add_comment
from ficarchive.moderation.actions import file_report, suspend_user
from ficarchive.moderation.sanctions import AccountRestricted, check_active
from ficarchive.prompt_memes.actions import (
    MemeInput,
    PromptInput,
    claim_prompt,
    post_prompt,
    save_meme,
)
from ficarchive.series.actions import SeriesInput, add_related_work, add_work, create_series
from ficarchive.subscriptions.actions import subscribe_to_creator
from ficarchive.tags.actions import grant_wrangling
from ficarchive.works.actions import ChapterInput, add_chapter
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, client_for, make_work

pytestmark = pytest.mark.django_db

# URL names a suspended member may still POST to, and why.
ALLOWED: dict[str, str] = {
    "login": "logging in is how they read the notice and their own data",
    "logout": "logging out is always allowed",
    "signup": "answers a logged-in member with a redirect; no account is made",
    "password_change": "a member keeps control of their own account's password",
    "password_reset": "the same, through e-mail",
    "password_reset_confirm": "the same, through e-mail",
    "preferences": "display preferences of their own browser, shown to nobody",
    "inbox_update": "marking their own notifications read or deleting them",
    "notification_settings": "fewer or more e-mails to themselves",
    "history_pause": "their private reading history",
    "history_clear": "their private reading history",
    "history_remove": "their private reading history",
    "block": "blocking protects them from others; it publishes nothing",
    "unblock": "the same",
    "mute": "muting only changes what they see",
    "unmute": "the same",
    "credit_preferences": "whether others may name them in gifts and credits; it publishes nothing",
    "unsubscribe": "fewer notifications to themselves",
    # As on AO3, anyone (a guest too) may report abuse to the moderators.
    "report_work": "reports go to moderators; guests may report too",
    "report_comment": "reports go to moderators; guests may report too",
    "report_user": "reports go to moderators; guests may report too",
    # A member's rights over their own account and data, from the account settings and site
    # apps (names as those apps register them): the e-mail address they are reached at, their
    # data, leaving, and the terms they must accept to keep using the archive. Changing the
    # public profile, username or pseuds, orphaning and inviting others stay refused.
    "settings_email": "the address the archive writes to them at",
    "settings_email_confirm": "the same",
    "confirm_email": "the same",
    "confirm_email_link": "the same",
    "data_export": "a copy of their own data is theirs to take",
    "download_export": "the same",
    "delete_account": "leaving the archive is always allowed",
    "accept_terms": "accepting the terms is needed to go on reading",
}
# POST fields that make an otherwise refused form an allowed one.
ALLOWED_FORMS: dict[tuple[str, str], str] = {
    ("api_tokens", "revoke"): "revoking a token only takes access away",
}
# Namespaces not walked, and why.
SKIPPED_NAMESPACES = {"admin": "Django's admin answers staff only; members are sent to log in"}

# Tables that log requests rather than hold anything a member made, and columns that record
# reading or signing in (a suspended member may read and log in).
LOG_TABLES = {"sessions.session", "moderation.rateevent", "accounts.loginfailure", "works.hit"}
LOG_COLUMNS = {
    "accounts.user": {"last_login"},
    "api.apitoken": {"last_used_at"},
    "works.work": {"hit_count"},
    # The FTS5 table's hidden column named like the table is no stored value; rows (work
    # ids) are compared, and the text they index is in the works and chapters compared.
    "search.searchdocument": {"document"},
}

# Plausible values for form fields left empty, by field name (anything else gets "Walk").
PLAUSIBLE: dict[str, str] = {
    "title": "Walk title",
    "text": "Words that should never be stored.\n\nMore of them.",
    "summary": "A summary.",
    "notes": "Notes.",
    "fandoms": "Cowboy Bebop",
    "characters": "Faye Valentine",
    "relationships": "Faye Valentine/Julia",
    "freeforms": "Fluff",
    "tags": "Fluff",
    "collections": "",
    "gifts": "",
    "co_creators": "",
    "name": "Walk name",
    "description": "A description.",
    "target": "Fluff",
    "email": "walk@example.org",
    "guest_email": "walk@example.org",
    "guest_name": "Walk",
    "parent": "1",
    "work": "1",
    "url": "https://example.org/",
    "external_title": "Elsewhere",
    "external_url": "https://example.org/story",
    "reason": "spam",
    "details": "Details.",
    "rating": "general",
    "text_format": "text",
    "language": "en",
    "paragraph": "",
    "website": "",  # the honeypot: people leave it empty
}


class Forms(HTMLParser):
    """The POST forms of a page: (action, list of field dicts, one per named submit button)."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.found: list[tuple[str, list[dict[str, Any]]]] = []
        self._form: dict[str, Any] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = urljoin(self.page_url, a.get("action") or self.page_url)
                self._form = {"action": action, "fields": {}, "buttons": []}
            return
        form = self._form
        if form is None:
            return
        name = a.get("name", "")
        kind = a.get("type", "text").lower() if tag == "input" else tag
        if tag == "button" or kind in {"submit", "image"}:
            if name:
                form["buttons"].append((name, a.get("value", "")))
        elif tag == "input" and name:
            if kind in {"checkbox", "radio"}:
                if "checked" in a or (kind == "radio" and name not in form["fields"]):
                    form["fields"].setdefault(name, a.get("value", "on"))
            elif kind == "file":
                form["fields"][name] = UPLOAD
            else:
                value = a.get("value", "")
                if not value and kind != "hidden":
                    value = "1" if kind == "number" else PLAUSIBLE.get(name, "Walk")
                if kind == "password":
                    value = PASSWORD
                form["fields"][name] = value
        elif tag == "textarea" and name:
            self._textarea = name
            form["fields"][name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if "selected" in a or (value and self._select not in form["fields"]):
                form["fields"][self._select] = value

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._form is not None and self._textarea:
            name = self._textarea
            if not self._form["fields"][name].strip():
                self._form["fields"][name] = PLAUSIBLE.get(name, "Walk")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            fields = {k: v for k, v in self._form["fields"].items() if v is not None}
            variants = [{**fields, n: v} for n, v in self._form["buttons"]] or [fields]
            self.found.append((self._form["action"], variants))
            self._form = None


UPLOAD = "<a story file>"
STORY = b"Walk Story\n\nFandom: Cowboy Bebop\n\nIt rained under the dome.\n"


def _with_files(data: dict[str, Any]) -> dict[str, Any]:
    """The form data with a fresh story file for each file field (a file is read once)."""
    return {
        key: SimpleUploadedFile("story.txt", STORY, "text/plain") if value == UPLOAD else value
        for key, value in data.items()
    }


def forms_on(url: str, html: str) -> list[tuple[str, list[dict[str, Any]]]]:
    parser = Forms(url)
    parser.feed(html)
    return parser.found


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (log tables and columns left out)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in LOG_TABLES:
            continue
        skip = LOG_COLUMNS.get(label, set())
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        rows[label] = sorted(model._default_manager.order_by().values_list(*names), key=repr)
    return rows


def changes(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def walk(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, URLPattern, str]]:
    """Yield (route, pattern, namespace) for every URL pattern, included ones too."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in SKIPPED_NAMESPACES:
                continue
            assert isinstance(entry.pattern, RoutePattern), entry
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            yield prefix + str(entry.pattern), entry, namespace


class Scene:
    """What the suspended member (and others) made before the suspension."""

    def __init__(self) -> None:
        self.member = sign_up("member", "member@example.org", PASSWORD)
        self.author = sign_up("author", "author@example.org", PASSWORD)
        self.staff = sign_up("staffer", "staffer@example.org", PASSWORD)
        self.staff.is_staff = True
        self.staff.save(update_fields=["is_staff"])
        grant_wrangling(self.member)
        member, author = self.member, self.author
        self.pseud = add_pseud(member, "Second Name")
        self.work = make_work(member, "Member's Work", freeforms=["Fluff"])
        add_chapter(member, self.work, ChapterInput(text="Two.", text_format="text"))
        add_chapter(member, self.work, ChapterInput(text="Draft.", text_format="text"), draft=True)
        self.draft = make_work(member, "Member's Draft", draft=True)
        self.other = make_work(author, "Author's Work", freeforms=["Unwrangled Thing"])
        self.series = create_series(member, SeriesInput(title="Member's Series"))
        add_work(member, self.series, self.work)
        self.other_series = create_series(author, SeriesInput(title="Author's Series"))
        add_work(author, self.other_series, self.other)
        add_related_work(member, self.work, parent_work=self.other)
        # Named like a tag, so the walk's "name" values reach the collection's pages too.
        self.collection = create_collection(
            member, CollectionInput(name="Fluff", title="Member's Collection", moderated=True)
        )
        add_to_collection(member, self.collection, self.work)
        add_to_collection(author, self.collection, self.other)
        meme = save_meme(member, self.collection, MemeInput())
        self.prompt = post_prompt(author, meme, PromptInput("Walk prompt", tags={"fandom": ["X"]}))
        self.claim = claim_prompt(member, self.prompt)
        self.bookmark, _ = save_bookmark(member, BookmarkInput(notes="Good."), work=self.other)
        save_bookmark(author, BookmarkInput(notes="Mine."), work=self.work)
        chapter = self.other.chapters.get(position=1)
        self.comment, _ = add_comment(
            self.other, chapter, CommentInput(text="Hello.", nonce="a" * 32), user=member
        )
        own_chapter = self.work.chapters.get(position=1)
        self.their_comment, _ = add_comment(
            self.work, own_chapter, CommentInput(text="Hi.", nonce="b" * 32), user=author
        )
        self.subscription = subscribe_to_creator(member, author)
        self.report, _ = file_report(author, target_type="work", target=self.work, reason="spam")
        _, self.token = create_token(member, "walk")

    def suspend(self) -> None:
        suspend_user(self.staff, self.member, timezone.now() + timedelta(days=7), "Spam")

    def values(self, name: str) -> list[str]:
        """Real values for a path parameter, by its name."""
        candidates: dict[str, list[Any]] = {
            "work_id": [self.work.pk, self.draft.pk, self.other.pk],
            "position": [1, 2, 3],
            "comment_id": [self.comment.pk, self.their_comment.pk],
            "series_id": [self.series.pk, self.other_series.pk],
            "subscription_id": [self.subscription.pk],
            "report_id": [self.report.pk],
            "bookmark_id": [self.bookmark.pk],
            "prompt_id": [self.prompt.pk],
            "claim_id": [self.claim.pk],
            "username": [self.member.username, self.author.username],
            "pseud": [self.pseud.name],
            "name": ["Fluff", "Unwrangled Thing"],
            "fmt": ["epub"],
        }
        return [str(v) for v in candidates.get(name, ["1"])]

    def urls(self, route: str) -> list[str]:
        """The route with its parameters filled in every way the scene offers (at most 12)."""
        pieces = route.split("<")
        names = [piece.split(">")[0].split(":")[-1] for piece in pieces[1:]]
        filled: list[str] = []
        for combination in itertools.islice(
            itertools.product(*(self.values(n) for n in names)), 12
        ):
            url = pieces[0]
            for value, piece in zip(combination, pieces[1:], strict=True):
                url += value + piece.split(">", 1)[1]
            filled.append("/" + url)
        return filled


NAMES_OF_MEMBERS = {"gifts", "co_creators"}


def example(schema: Schema, scene: Scene) -> Any:
    """A plausible value for a JSON Schema (the API's subset)."""
    if "$ref" in schema:
        return example(SCHEMAS[schema["$ref"].rsplit("/", 1)[1]], scene)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        return {
            # Names of other members must name real ones: none is plausible.
            key: [] if key in NAMES_OF_MEMBERS else example(sub, scene)
            for key, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        item = schema.get("items", {})
        return [item["enum"][0]] if "enum" in item else [example(item, scene)]
    if kind == "integer":
        return scene.other.pk
    if kind == "boolean":
        return False
    return "Walk"


def api_bodies(route: str, scene: Scene) -> dict[str, Any]:
    """Method -> JSON body for every write method, from the operations table."""
    bodies: dict[str, Any] = {method: {} for method in ("POST", "PUT", "PATCH", "DELETE")}
    for op in OPERATIONS:
        same_path = "api/v1/" + op.path.replace("{", "<").replace("}", ">") == _plain(route)
        if same_path and op.method != "GET":
            schema = SCHEMAS[op.body] if op.body else None
            bodies[op.method] = example(schema, scene) if schema else {}
    return bodies


def _plain(route: str) -> str:
    """The route with converters removed: <int:work_id> -> <work_id>."""
    out = route
    for piece in route.split("<")[1:]:
        inner = piece.split(">")[0]
        out = out.replace(f"<{inner}>", "<" + inner.split(":")[-1] + ">")
    return out


def _allowed(name: str | None, data: dict[str, Any]) -> bool:
    if name in ALLOWED:
        return True
    return any(name == n and key in data for n, key in ALLOWED_FORMS)


def _post(
    client: Client, url: str, data: dict[str, Any], baseline: dict[str, list[Any]]
) -> tuple[int, list[str]]:
    """POST in a savepoint that is rolled back (so every request starts from the baseline);
    return the status and the tables changed."""
    with transaction.atomic():
        response = client.post(url, _with_files(data))
        after = snapshot()
        transaction.set_rollback(True)
    return response.status_code, changes(baseline, after)


def collect_forms(client: Client, scene: Scene) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """GET every page of every pattern; return the POST forms found, by action path."""
    found: dict[str, list[dict[str, Any]]] = {}
    pages = 0
    for route, _pattern, namespace in walk(get_resolver().url_patterns):
        if namespace == "api" or route.startswith("api/"):
            continue
        for url in scene.urls(route):
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            pages += 1
            for action, variants in forms_on(url, response.content.decode()):
                path = urlsplit(action).path
                for variant in variants:
                    if variant not in found.setdefault(path, []):
                        found[path].append(variant)
    return found, pages


def run_walk(scene: Scene) -> tuple[dict[str, list[str]], int, set[str]]:
    """POST everything as the member; return {url: tables changed}, requests made, and the
    URL names that answered a POST with something other than 405."""
    client = client_for(scene.member)
    forms, _pages = collect_forms(client, scene)
    changed: dict[str, list[str]] = {}
    baseline = snapshot()
    requests = 0
    posted_names: set[str] = set()
    for route, pattern, _namespace in walk(get_resolver().url_patterns):
        if isinstance(pattern.pattern, RegexPattern):
            # Only the API's JSON 404 for unknown addresses is a regex pattern.
            assert route.startswith("api/"), route
            continue
        for url in scene.urls(route):
            if route.startswith("api/"):
                for method, body in api_bodies(route, scene).items():
                    with transaction.atomic():
                        response = Client().generic(
                            method,
                            url,
                            json.dumps(body),
                            content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {scene.token}",
                        )
                        after = snapshot()
                        transaction.set_rollback(True)
                    requests += 1
                    assert response.status_code < 500, (method, url, response.content[:300])
                    if response.status_code != 405:
                        posted_names.add(f"api {method} {route}")
                    if diff := changes(baseline, after):
                        changed[f"{method} {url}"] = diff
                continue
            for data in [*forms.get(url, []), dict(PLAUSIBLE)]:
                if _allowed(pattern.name, data):
                    continue
                status, diff = _post(client, url, data, baseline)
                requests += 1
                assert status < 500, (url, data)
                if status != 405:
                    posted_names.add(str(pattern.name))
                if diff:
                    changed[url] = diff
    return changed, requests, posted_names


def test_it_changes_nothing_through_any_url_for_a_suspended_member() -> None:
    scene = Scene()
    scene.suspend()
    changed, requests, posted = run_walk(scene)
    assert changed == {}
    assert requests > 200
    # The walk reached the writing doors (these answer POST, so a regression shows).
    for name in ["new_work", "new_chapter", "edit_chapter", "post_chapter", "new_series",
                 "kudos", "new_comment", "work_bookmark", "manage_pseuds", "related_works",
                 "wrangle", "api_tokens", "subscribe"]:  # fmt: skip
        assert name in posted, name


def test_the_walk_would_change_things_for_an_active_member() -> None:
    """The same walk without the suspension writes through the doors it tries, so the test
    above proves the refusal, not a walk that sends nothing a view accepts."""
    scene = Scene()
    changed, _requests, _posted = run_walk(scene)
    doors = {urlsplit(url.split(" ")[-1]).path for url in changed}
    work, draft, series = scene.work.pk, scene.draft.pk, scene.series.pk
    for expected in [
        "/works/new/",
        "/works/import/",
        f"/works/{work}/edit/",
        f"/works/{work}/chapters/new/",
        f"/works/{work}/chapters/1/edit/",
        f"/works/{work}/chapters/3/post/",
        f"/works/{draft}/post/",
        f"/works/{work}/delete/",
        "/series/new/",
        f"/series/{series}/edit/",
        "/collections/Fluff/items/",
        f"/works/{scene.other.pk}/kudos/",
        f"/works/{scene.other.pk}/comments/",
        f"/works/{scene.other.pk}/bookmark/",
        "/pseuds/",
        "/settings/tokens/",
        "/api/v1/works/",
        f"/api/v1/works/{work}/chapters/",
    ]:
        assert expected in doors, (expected, sorted(doors))


def test_it_refuses_the_import_command_for_a_suspended_member(tmp_path: Path) -> None:
    scene = Scene()
    scene.suspend()
    story = tmp_path / "story.txt"
    story.write_text("Title: Walk\nFandom: Cowboy Bebop\n\nIt rained under the dome.\n")
    before = snapshot()
    with pytest.raises(CommandError, match="suspended"):
        call_command("import", str(story), "--author", "member", "--fandom", "Cowboy Bebop")
    assert changes(before, snapshot()) == []
    assert Work.objects.filter(title="Walk").count() == 0


def test_every_write_action_refuses_a_suspended_member_itself() -> None:
    """The actions refuse, whoever calls them (a view, the API, a command, a script)."""
    scene = Scene()
    scene.suspend()
    with pytest.raises(AccountRestricted, match="suspended"):
        check_active(scene.member)
    before = snapshot()
    calls: list[Callable[[], object]] = [
        lambda: make_work(scene.member, "Refused"),
        lambda: make_work(scene.member, "Refused draft", draft=True),
        lambda: add_chapter(scene.member, scene.work, ChapterInput(text="x", text_format="text")),
        lambda: create_series(scene.member, SeriesInput(title="Refused")),
        lambda: add_pseud(scene.member, "Refused"),
        lambda: create_token(scene.member, "refused"),
        lambda: save_bookmark(scene.member, BookmarkInput(), work=scene.other),
        lambda: add_related_work(scene.member, scene.work, external_title="Refused"),
    ]
    for call in calls:
        with pytest.raises(AccountRestricted):
            call()
    assert changes(before, snapshot()) == []


def test_a_refusal_the_view_does_not_catch_shows_the_reason() -> None:
    scene = Scene()
    scene.suspend()
    response = client_for(scene.member).post("/series/new/", {"title": "Refused"})
    assert response.status_code == 403
    assert "Your account is suspended until" in response.content.decode()
