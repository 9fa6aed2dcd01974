"""Readers choose what they see: the adult content notice, reading preferences (hidden
warnings and additional tags, the entire work, time zone) for members and guests, muted tags,
and the archive warning that posting requires."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from ficarchive.accounts.models import User
from ficarchive.api.actions import create_token
from ficarchive.formats.actions import import_parsed_work
from ficarchive.formats.parsed import ParsedChapter, ParsedWork
from ficarchive.preferences.actions import (
    MAX_MUTED_TAGS,
    ReadingChoices,
    mute_tag,
    save_reading_preferences,
    unmute_tag,
)
from ficarchive.preferences.models import MutedTag, ReadingPreferences
from ficarchive.preferences.reader import (
    GUEST_COOKIE,
    cookie_value,
    member_prefs,
    prefs_from_cookie,
)
from ficarchive.tags.actions import add_parent, grant_wrangling, make_canonical, make_synonym
from ficarchive.tags.models import Tag
from ficarchive.works.actions import (
    NO_WARNING_CHOSEN,
    ChapterInput,
    WorkInput,
    add_chapter,
    post_draft_work,
    post_work,
)
from ficarchive.works.models import Work, WorkTag
from tests.conftest import client_for, hostile_corpus, make_work
from tests.downloads import get_file

pytestmark = pytest.mark.django_db

NOTICE = b"This work could have adult content"


def text_of(response: Any) -> str:
    return bytes(response.content).decode()


# --- the adult content notice -----------------------------------------------------------------


@pytest.mark.parametrize("rating", ["explicit", "mature", "not-rated"])
def test_it_shows_the_adult_notice_and_remembers_proceed_for_the_session(
    author: User, rating: str
) -> None:
    work = make_work(author, "Heat", rating=rating, text="The storm broke over the dome.")
    add_chapter(author, work, ChapterInput(text="Second chapter text.", text_format="text"))
    guest = Client()
    first = guest.get(f"/works/{work.pk}/")
    assert first.status_code == 200 and NOTICE in first.content
    assert b"The storm broke" not in first.content
    assert f'href="/works/{work.pk}/?view_adult=true"'.encode() in first.content
    assert b">Go back<" in first.content
    work.refresh_from_db()
    assert work.hit_count == 0  # the notice is not a reading
    proceeded = guest.get(f"/works/{work.pk}/?view_adult=true")
    assert b"The storm broke" in proceeded.content and NOTICE not in proceeded.content
    # Remembered for the session: every work, chapter and the entire work open at once.
    for url in (f"/works/{work.pk}/", f"/works/{work.pk}/chapters/2/", f"/works/{work.pk}/full/"):
        assert NOTICE not in guest.get(url).content, url
    other = make_work(author, "Another", rating="explicit")
    assert NOTICE not in guest.get(f"/works/{other.pk}/").content
    # A new browser (session) meets it again.
    assert NOTICE in Client().get(f"/works/{work.pk}/chapters/2/").content


@pytest.mark.parametrize("rating", ["general", "teen"])
def test_it_opens_general_and_teen_works_without_the_notice(author: User, rating: str) -> None:
    work = make_work(author, rating=rating)
    assert NOTICE not in Client().get(f"/works/{work.pk}/").content


def test_it_never_shows_the_notice_to_the_works_creators(author: User) -> None:
    work = make_work(author, rating="explicit")
    assert NOTICE not in client_for(author).get(f"/works/{work.pk}/").content


def test_it_turns_the_notice_off_with_a_preference(author: User, reader: User) -> None:
    work = make_work(author, rating="explicit", text="Past the notice.")
    client = client_for(reader)
    assert NOTICE in client.get(f"/works/{work.pk}/").content
    response = client.post(
        "/preferences/", {"form": "reading", "show_adult_content": "on", "time_zone": ""}
    )
    assert response.status_code == 302
    assert b"Past the notice." in client_for(reader).get(f"/works/{work.pk}/").content
    # A guest's choice lives in the cookie.
    guest = Client()
    guest.post("/preferences/", {"form": "reading", "show_adult_content": "on"})
    assert guest.cookies[GUEST_COOKIE].value
    assert b"Past the notice." in guest.get(f"/works/{work.pk}/").content


def test_it_does_not_interrupt_downloads_feeds_and_the_api(author: User) -> None:
    work = make_work(author, rating="explicit", text="Downloaded words.", fandoms=("Trigun",))
    download = get_file(Client(), f"/works/{work.pk}/download/html/")
    body = b"".join(download.streaming_content)
    assert download.status_code == 200 and b"Downloaded words." in body
    assert NOTICE not in body
    api = Client().get(f"/api/v1/works/{work.pk}/chapters/1/")
    assert api.status_code == 200 and "Downloaded words." in api.json()["html"]
    feed = Client().get("/tags/Trigun/feed.atom")
    assert feed.status_code == 200 and b"Dome Weather" in feed.content


# --- display preferences ----------------------------------------------------------------------


def test_it_hides_warnings_and_additional_tags_behind_show_controls(
    author: User, reader: User, stranger: User
) -> None:
    work = make_work(
        author, warnings=["Major Character Death"], freeforms=["Slow Burn"], rating="teen"
    )
    save_reading_preferences(reader, ReadingChoices(hide_warnings=True, hide_freeforms=True))
    page = text_of(client_for(reader).get(f"/works/{work.pk}/"))
    assert (
        '<summary>Show warnings</summary><span class="warnings">Major Character Death</span>'
        in page
    )
    assert "<summary>Show additional tags</summary>" in page
    listing = text_of(client_for(reader).get("/works/"))
    assert "<summary>Show warnings</summary>" in listing
    assert "<summary>Show additional tags</summary>" in listing
    # The cached blurb of one reader's choice is never served to another.
    plain = text_of(client_for(stranger).get("/works/"))
    assert "Show warnings" not in plain and "Major Character Death" in plain
    assert "Slow Burn" in plain and "Show additional tags" not in plain
    assert "Show warnings" not in text_of(Client().get(f"/works/{work.pk}/"))


def test_it_opens_the_entire_work_when_the_reader_asks_for_it(author: User, reader: User) -> None:
    work = make_work(author, text="First chapter words.")
    add_chapter(author, work, ChapterInput(text="Second chapter words.", text_format="text"))
    assert b"Second chapter words." not in client_for(reader).get(f"/works/{work.pk}/").content
    save_reading_preferences(reader, ReadingChoices(full_work=True))
    page = client_for(reader).get(f"/works/{work.pk}/")
    assert b"First chapter words." in page.content and b"Second chapter words." in page.content
    assert f'href="/works/{work.pk}/chapters/1/">Chapter by chapter'.encode() in page.content
    # A chapter's own URL still shows that chapter alone.
    chapter = client_for(reader).get(f"/works/{work.pk}/chapters/1/")
    assert b"Second chapter words." not in chapter.content


def test_it_shows_dates_in_the_readers_time_zone(author: User, reader: User) -> None:
    work = make_work(author)
    late = dt.datetime(2024, 1, 1, 20, 30, tzinfo=dt.UTC)
    Work.objects.filter(pk=work.pk).update(updated_at=late, published_at=late)
    assert "1 Jan 2024" in text_of(client_for(reader).get("/works/"))
    save_reading_preferences(reader, ReadingChoices(time_zone="Asia/Tokyo"))
    for url in ("/works/", "/", f"/works/{work.pk}/"):
        page = text_of(client_for(reader).get(url))
        assert "2 Jan 2024" in page and "1 Jan 2024" not in page, url
    # A guest's zone comes from the cookie; others still see the site's zone.
    guest = Client()
    guest.cookies[GUEST_COOKIE] = cookie_value(prefs_from_cookie("time_zone=Pacific/Kiritimati"))
    assert "2 Jan 2024" in text_of(guest.get(f"/works/{work.pk}/"))
    assert "1 Jan 2024" in text_of(Client().get("/works/"))


def test_it_ignores_a_cookie_it_did_not_write() -> None:
    assert prefs_from_cookie("time_zone=../../etc/passwd").time_zone == ""
    assert prefs_from_cookie("time_zone=Mars/Olympus&hide_warnings=yes").hide_warnings is False
    assert prefs_from_cookie("x" * 5000).time_zone == ""
    assert prefs_from_cookie("hide_warnings=1&full_work=1").full_work is True
    for value in hostile_corpus()[:300]:
        prefs_from_cookie(value)  # never raises


def test_it_survives_hostile_cookies_on_pages(author: User) -> None:
    work = make_work(author)
    for value in ["time_zone=Nowhere", "%ff%fe", "hide_warnings=1" * 100, "=&=&="]:
        guest = Client()
        guest.cookies[GUEST_COOKIE] = value
        assert guest.get(f"/works/{work.pk}/").status_code == 200
        assert guest.get("/works/").status_code == 200


def test_it_keeps_member_preferences_on_the_account(reader: User) -> None:
    client = client_for(reader)
    page = text_of(client.get("/preferences/"))
    assert 'for="id_time_zone">Time zone<' in page
    assert "Hide archive warnings" in page and "Tag to mute" in page
    response = client.post(
        "/preferences/",
        {"form": "reading", "hide_warnings": "on", "full_work": "on", "time_zone": "Europe/Paris"},
    )
    assert response.status_code == 302
    row = ReadingPreferences.objects.get(user=reader)
    assert row.hide_warnings and row.full_work and not row.show_adult_content
    assert row.time_zone == "Europe/Paris"
    assert member_prefs(reader.pk).time_zone == "Europe/Paris"
    assert 'value="Europe/Paris" selected' in text_of(client.get("/preferences/"))


def test_it_still_takes_the_header_theme_form(reader: User) -> None:
    response = Client().post("/preferences/", {"theme": "dark", "text_size": "large", "next": "/"})
    assert response.status_code == 302 and response.cookies["theme"].value == "dark"


BAD_READING_INPUT = [
    {"time_zone": "Mars/Olympus_Mons"},
    {"time_zone": "../../../etc/passwd"},
    {"time_zone": "x" * 5000},
    {"time_zone": "UTC\u202e"},
    {"hide_warnings": "maybe"},
    {"full_work": "x" * 10_000},
]


@pytest.mark.parametrize("who", ["member", "guest"])
def test_it_refuses_bad_reading_preferences_and_changes_nothing(reader: User, who: str) -> None:
    client = client_for(reader) if who == "member" else Client()
    for bad in BAD_READING_INPUT:
        response = client.post("/preferences/", {"form": "reading", **bad})
        assert response.status_code == 400, bad
        page = text_of(response)
        assert (
            "is not a time zone" in page
            or "is not a value for a checkbox" in page
            or ("at most 64 characters" in page)
        ), bad
        assert GUEST_COOKIE not in response.cookies
    assert not ReadingPreferences.objects.exists()


def test_it_answers_hostile_input_to_every_preferences_form(reader: User) -> None:
    client = client_for(reader)
    guest = Client()
    for value in hostile_corpus()[::40]:
        for data in (
            {"form": "reading", "time_zone": value},
            {"form": "reading", "hide_freeforms": value},
            {"form": "mute", "tag": value},
            {"form": "unmute", "tag": value},
        ):
            for who in (client, guest):
                response = who.post("/preferences/", data)
                assert response.status_code in {302, 400}, (data, response.status_code)
    assert not MutedTag.objects.exists()
    assert not ReadingPreferences.objects.filter(time_zone__gt="").exists()
    # NUL anywhere is refused before any view runs.
    assert client.post("/preferences/", {"form": "mute", "tag": "Angst\x00"}).status_code == 400


# --- muted tags ----------------------------------------------------------------------------------


@pytest.fixture
def tagged(author: User) -> dict[str, Work]:
    return {
        "angst": make_work(author, "Crying In The Rain", freeforms=["Angst"]),
        "fluff": make_work(author, "Sunny Picnic", freeforms=["Fluff"]),
        "both": make_work(author, "Bittersweet Rain", freeforms=["Angst", "Fluff"]),
    }


def titles(response: Any) -> set[str]:
    page = text_of(response)
    return {t for t in ("Crying In The Rain", "Sunny Picnic", "Bittersweet Rain") if t in page}


def test_it_hides_works_with_a_muted_tag_from_listings_search_home_and_tags(
    tagged: dict[str, Work], reader: User, stranger: User
) -> None:
    client = client_for(reader)
    response = client.post("/preferences/", {"form": "mute", "tag": "angst"})
    assert response.status_code == 302
    assert MutedTag.objects.filter(user=reader, tag__name="Angst").exists()
    for url in ("/works/", "/", "/tags/Fluff/", "/tags/Fluff/works/", "/works/?q=rain"):
        response = client.get(url)
        assert titles(response) <= {"Sunny Picnic"}, url
        assert "hidden by your muted tags" in text_of(response), url
    assert "2 works hidden by your muted tags" in text_of(client.get("/works/"))
    assert "1 work hidden by your muted tags" in text_of(client.get("/works/?q=crying"))
    # Others, and guests, still see every work; the muting reader can still open one.
    assert titles(client_for(stranger).get("/works/")) == {
        "Crying In The Rain",
        "Sunny Picnic",
        "Bittersweet Rain",
    }
    assert "muted tags" not in text_of(Client().get("/works/"))
    assert client.get(f"/works/{tagged['angst'].pk}/").status_code == 200
    # Unmuting brings them back.
    angst = Tag.objects.get(name="Angst")
    client.post("/preferences/", {"form": "unmute", "tag": str(angst.pk)})
    assert len(titles(client.get("/works/"))) == 3
    assert "muted tags" not in text_of(client.get("/works/"))


def test_it_covers_synonyms_and_tags_below_a_muted_tag(author: User, reader: User) -> None:
    wrangler = author
    grant_wrangling(wrangler)
    synonym_work = make_work(author, "Synonym Story", freeforms=["Hurt/Comfort"])
    child_work = make_work(author, "Child Story", freeforms=["Domestic Fluff"])
    plain = make_work(author, "Plain Story", freeforms=["Plot"])
    canonical = make_canonical(wrangler, Tag.objects.get(name="Hurt/Comfort"))
    alias = Tag.objects.create(name="H/C", type="freeform")
    make_synonym(wrangler, alias, canonical)
    alias_work = make_work(author, "Alias Story", freeforms=["H/C"])
    fluff = make_canonical(wrangler, Tag.objects.create(name="Fluff", type="freeform"))
    add_parent(wrangler, make_canonical(wrangler, Tag.objects.get(name="Domestic Fluff")), fluff)
    # Muting the synonym's name mutes the canonical tag it stands for.
    tag, added = mute_tag(reader, "h/c")
    assert added and tag.pk == canonical.pk
    mute_tag(reader, "Fluff")
    page = text_of(client_for(reader).get("/works/"))
    for work in (synonym_work, child_work, alias_work):
        assert work.title not in page
    assert plain.title in page
    assert "3 works hidden by your muted tags" in page


def test_it_refuses_bad_tags_to_mute_and_changes_nothing(
    tagged: dict[str, Work], reader: User
) -> None:
    client = client_for(reader)
    for bad, message in [
        ("No Such Tag Anywhere", "No tag is named"),
        ("", "Name the tag to mute."),
        ("x" * 500, "No tag is longer than 150 characters"),
        ("Angst, Fluff", "which tags cannot hold"),
    ]:
        response = client.post("/preferences/", {"form": "mute", "tag": bad})
        assert response.status_code == 400, bad
        assert message in text_of(response), (bad, text_of(response)[-3000:])
    assert client.post("/preferences/", {"form": "unmute", "tag": "99999999"}).status_code == 302
    assert client.post("/preferences/", {"form": "unmute", "tag": "9" * 40}).status_code == 302
    assert not MutedTag.objects.exists()
    assert not ReadingPreferences.objects.filter(muted_tag_count__gt=0).exists()
    # Guests are sent to log in; nothing is stored.
    response = Client().post("/preferences/", {"form": "mute", "tag": "Angst"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not MutedTag.objects.exists()


def test_it_counts_mutes_and_limits_them(tagged: dict[str, Work], reader: User) -> None:
    assert mute_tag(reader, "Angst")[1] is True
    assert mute_tag(reader, "ANGST")[1] is False
    assert member_prefs(reader.pk).muted_tag_count == 1
    angst = Tag.objects.get(name="Angst")
    assert unmute_tag(reader, angst.pk) == angst
    assert unmute_tag(reader, angst.pk) is None
    assert member_prefs(reader.pk).muted_tag_count == 0
    Tag.objects.bulk_create(
        [Tag(name=f"Filler {i}", type="freeform") for i in range(MAX_MUTED_TAGS)]
    )
    MutedTag.objects.bulk_create(
        [MutedTag(user=reader, tag=t) for t in Tag.objects.filter(name__startswith="Filler")]
    )
    with pytest.raises(Exception, match="the most one account can"):
        mute_tag(reader, "Angst")


def test_it_keeps_one_readers_mutes_out_of_another_readers_cached_counts(
    tagged: dict[str, Work], reader: User, stranger: User, settings: Any
) -> None:
    # Counts are cached per viewer above FRESH_LIMIT works: force that path.
    from ficarchive.works import listing

    old = listing.FRESH_LIMIT
    listing.FRESH_LIMIT = 0
    try:
        mute_tag(reader, "Angst")
        muted_page = text_of(client_for(reader).get("/works/"))
        assert "1–1 of 1 work" in muted_page
        assert "1–3 of 3 works" in text_of(client_for(stranger).get("/works/"))
        assert "1–3 of 3 works" in text_of(Client().get("/works/"))
        unmute_tag(reader, Tag.objects.get(name="Angst").pk)
        assert "1–3 of 3 works" in text_of(client_for(reader).get("/works/"))
    finally:
        listing.FRESH_LIMIT = old


def test_it_keeps_listing_queries_flat_with_muted_tags(
    author: User, reader: User, django_assert_max_num_queries: Any
) -> None:
    for index in range(5):
        make_work(author, f"Story {index}", freeforms=["Angst" if index % 2 else "Fluff"])
    mute_tag(reader, "Angst")
    client = client_for(reader)
    client.get("/works/")
    # Measure both pages cold: blurbs, preferences and the site's settings and terms in force
    # are read from the database. What matters is the second page: as many queries as the first.
    cache.clear()
    with django_assert_max_num_queries(22) as few:
        assert "hidden by your muted tags" in text_of(client.get("/works/"))
    for index in range(15):
        make_work(author, f"More {index}", freeforms=["Angst" if index % 2 else "Fluff"])
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "hidden by your muted tags" in text_of(client.get("/works/"))


def test_it_applies_mutes_through_the_filter_tag_table_only_for_readers_who_muted(
    tagged: dict[str, Work], reader: User
) -> None:
    from ficarchive.preferences.queries import carries_muted_tag

    assert carries_muted_tag(AnonymousUser(), member_prefs(reader.pk)) is None
    assert carries_muted_tag(reader, member_prefs(reader.pk)) is None
    mute_tag(reader, "Fluff")
    condition = carries_muted_tag(reader, member_prefs(reader.pk))
    assert condition is not None
    hidden = set(Work.objects.filter(condition).values_list("title", flat=True))
    assert hidden == {"Sunny Picnic", "Bittersweet Rain"}


# --- archive warnings are required -------------------------------------------------------------


def test_it_requires_an_archive_warning_to_post(author: User) -> None:
    data = WorkInput(title="No Warning", fandoms=["Cowboy Bebop"], text_format="text")
    with pytest.raises(Exception, match="Archive warnings is empty"):
        post_work(author, data, ChapterInput(text="Text.", text_format="text"))
    draft = post_work(author, data, ChapterInput(text="Text.", text_format="text"), draft=True)
    with pytest.raises(Exception, match="Choose an archive warning before posting"):
        post_draft_work(author, draft)
    assert Work.objects.filter(status="posted").count() == 0


def test_it_refuses_the_posting_form_without_a_warning(author: User) -> None:
    form = {
        "title": "Unwarned",
        "rating": "teen",
        "fandoms": "Cowboy Bebop",
        "text_format": "text",
        "language": "en",
        "text": "Some text.",
        "intent": "post",
    }
    response = client_for(author).post("/works/new/", form)
    assert response.status_code == 200
    assert "Archive warnings is empty" in text_of(response)
    assert not Work.objects.exists()
    form["warnings"] = NO_WARNING_CHOSEN
    assert client_for(author).post("/works/new/", form).status_code == 302


def test_it_refuses_the_api_without_a_warning(author: User) -> None:
    token = create_token(author, "test")[1]
    body = {"title": "API Work", "fandoms": ["Cowboy Bebop"], "chapter": {"text": "Words."}}
    headers = {"Authorization": f"Bearer {token}"}
    response = Client().post(
        "/api/v1/works/", json.dumps(body), content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert "Archive warnings is empty" in json.dumps(response.json())
    assert not Work.objects.exists()
    body["warnings"] = ["No Archive Warnings Apply"]
    response = Client().post(
        "/api/v1/works/", json.dumps(body), content_type="application/json", headers=headers
    )
    assert response.status_code == 201


def test_it_imports_a_file_without_warnings_with_the_default_and_says_so(author: User) -> None:
    parsed = ParsedWork(
        title="Imported",
        fandoms=["Cowboy Bebop"],
        chapters=[ParsedChapter(html="<p>Imported text.</p>")],
    )
    work = import_parsed_work(author, parsed)
    assert [t.name for t in work.warnings] == [NO_WARNING_CHOSEN]
    assert any("gives no archive warning" in w for w in parsed.warnings)


def test_it_lists_works_without_a_warning_and_the_migration_gives_them_the_default(
    author: User,
) -> None:
    from importlib import import_module

    from django.apps import apps

    unwarned = make_work(author, "Old Work")
    warned = make_work(author, "New Work")
    WorkTag.objects.filter(work=unwarned, tag__type="warning").delete()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("check-warnings", stdout=out)
    assert exit_info.value.code == 1
    assert f"{unwarned.pk}\t/works/{unwarned.pk}/" in out.getvalue()
    assert f"/works/{warned.pk}/" not in out.getvalue()
    assert "1 posted works have no archive warning" in out.getvalue()
    migration = import_module("ficarchive.works.migrations.0005_default_archive_warning")
    migration.add_default_warning(apps, None)
    unwarned.refresh_from_db()
    assert [t.name for t in unwarned.warnings] == [NO_WARNING_CHOSEN]
    assert Work.objects.filter(
        filter_taggings__tag__name=NO_WARNING_CHOSEN, pk=unwarned.pk
    ).exists()
    out = io.StringIO()
    call_command("check-warnings", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"count": 0, "works": []}


def test_it_keeps_the_listing_in_index_order_with_muted_tags(author: User, reader: User) -> None:
    from django.db import connection
    from django.http import QueryDict

    from ficarchive.preferences.queries import carries_muted_tag
    from ficarchive.works.listing import apply_filters, order_works, parse_filters

    for index in range(12):
        make_work(author, f"Story {index}", freeforms=["Angst", "Fluff"][: 1 + index % 2])
    mute_tag(reader, "Fluff")
    muted = carries_muted_tag(reader, member_prefs(reader.pk))
    assert muted is not None
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("SET enable_seqscan = off")
    try:
        for query_string, index_name in [
            ("", "work_sort_updated_idx"),
            ("sort=kudos", "work_sort_kudos_idx"),
        ]:
            f = parse_filters(QueryDict(query_string))
            works = apply_filters(Work.objects.visible_to(reader).posted(), f).exclude(muted)
            plan = order_works(works, f.sort).values_list("pk", flat=True)[:20].explain()
            assert index_name in plan, plan
            if connection.vendor == "sqlite":
                assert "TEMP B-TREE" not in plan, plan
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("RESET enable_seqscan")
