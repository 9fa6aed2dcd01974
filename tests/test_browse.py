"""Browsing: fandoms by medium (/media/), languages (/languages/), people search
(/people/search/) and tag search (/tags/search/): counts of the works each viewer may read,
cached count tables that follow the page cache's version stamps, their query plans, query
counts on every list page, and hostile input in every parameter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.wsgi import get_wsgi_application
from django.db import connection

from ficarchive.accounts.actions import add_pseud, sign_up
from ficarchive.accounts.models import User
from ficarchive.blocking.actions import mute_user
from ficarchive.browse import counts
from ficarchive.browse.counts import fandom_count_query, fandom_rows, language_count_query
from ficarchive.core import pagecache
from ficarchive.core.pagecache import CACHEABLE
from ficarchive.demo.wrangling import wrangle_demo_tags
from ficarchive.moderation.actions import ban_user
from ficarchive.site.roles import MODERATOR_GROUP
from ficarchive.tags.actions import grant_wrangling, set_media
from ficarchive.tags.models import Media, Tag, TagType
from ficarchive.works.actions import ChapterInput, WorkInput, post_work
from ficarchive.works.models import LANGUAGE_NAMES, Work
from tests.conftest import PASSWORD, client_for, commits, hostile_corpus, make_work

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def wrangler(db: None) -> User:
    user = sign_up("wrangler", "wrangler@example.org", PASSWORD)
    grant_wrangling(user)
    return user


def canonical(name: str, media: str = "") -> Tag:
    tag = Tag.objects.get(name=name)
    tag.canonical = True
    tag.media = media
    tag.save(update_fields=["canonical", "media"])
    return tag


@pytest.fixture
def shelf(author: User, stranger: User) -> dict[str, Work]:
    """Three Bebop works guests may read, one registered-only, one draft, one hidden; two
    Trigun works; a Saiyuki work (a fandom left without a medium); "Unwrangled Fandom" that
    no wrangler made canonical."""
    works = {
        "bebop1": make_work(author, "Bebop One", fandoms=("Cowboy Bebop",)),
        "bebop2": make_work(author, "Bebop Two", fandoms=("Cowboy Bebop",), language="ja"),
        "bebop3": make_work(stranger, "Bebop Three", fandoms=("Cowboy Bebop",)),
        "restricted": make_work(author, "Members Only", fandoms=("Cowboy Bebop",), restricted=True),
        "draft": make_work(author, "Draft", fandoms=("Cowboy Bebop",), draft=True),
        "hidden": make_work(author, "Hidden", fandoms=("Cowboy Bebop",)),
        "trigun1": make_work(stranger, "Trigun One", fandoms=("Trigun",), language="zh"),
        "trigun2": make_work(stranger, "Trigun Two", fandoms=("Trigun",), language="pt-BR"),
        "saiyuki": make_work(author, "Saiyuki", fandoms=("Saiyuki",)),
        "unwrangled": make_work(author, "Odd", fandoms=("Unwrangled Fandom",)),
    }
    Work.objects.filter(pk=works["hidden"].pk).update(hidden=True)
    canonical("Cowboy Bebop", Media.ANIME)
    canonical("Trigun", Media.ANIME)
    canonical("Saiyuki")
    from ficarchive.tags.filtering import refresh_all_filter_tags

    refresh_all_filter_tags()
    return works


# Media and fandoms ---------------------------------------------------------------------------


def test_it_lists_each_mediums_top_fandoms_by_works_guests_may_read(shelf: dict[str, Work]) -> None:
    response = client_for(None).get("/media/")
    assert response.status_code == 200
    text = response.text
    anime = text[text.index('id="medium-anime-manga"') : text.index('id="medium-books-literature"')]
    # Bebop: three works a guest may read (not the registered-only, draft or hidden one).
    assert (
        'href="/tags/Cowboy%20Bebop/works/">Cowboy Bebop</a> <span class="facet-count">(3)' in anime
    )
    assert anime.index("Cowboy Bebop") < anime.index("Trigun")  # most works first
    assert "All 2 fandoms in Anime &amp; Manga" in anime
    uncategorized = text[text.index('id="medium-uncategorized"') :]
    assert "Saiyuki" in uncategorized
    assert "Unwrangled Fandom" not in text  # not canonical: not listed
    assert "No fandom is filed here yet." in text  # Movies and the rest


def test_it_lists_every_fandom_of_a_medium_a_to_z(shelf: dict[str, Work]) -> None:
    Tag.objects.create(name="armitage III", type=TagType.FANDOM, canonical=True, media=Media.ANIME)
    Tag.objects.create(name="東京喰種", type=TagType.FANDOM, canonical=True, media=Media.ANIME)
    text = client_for(None).get("/media/anime-manga/fandoms/").text
    assert "3 fandoms" in text or "4 fandoms" in text
    assert text.index("armitage III") < text.index("Cowboy Bebop") < text.index("Trigun")
    assert 'id="letter-A"' in text and 'id="letter-other"' in text
    assert text.index('id="letter-T"') < text.index('id="letter-other"') < text.index("東京喰種")
    assert 'armitage III</a> <span class="facet-count">(0)' in text  # no works yet: 0
    assert 'href="/tags/%E6%9D%B1%E4%BA%AC%E5%96%B0%E7%A8%AE/works/"' in text
    uncategorized = client_for(None).get("/media/uncategorized/fandoms/").text
    assert "Saiyuki" in uncategorized and "Cowboy Bebop" not in uncategorized
    # A fandom filed under "uncategorized" explicitly is listed with those filed under none.
    Tag.objects.filter(name="Trigun").update(media=Media.UNCATEGORIZED)
    from django.core.cache import cache

    cache.clear()  # the update() above bumped nothing: this test's stamp did not move
    assert "Trigun" in client_for(None).get("/media/uncategorized/fandoms/").text


def test_an_unknown_medium_says_what_was_wrong(db: None) -> None:
    for medium in ("cartoons", "TV Shows", "-1", "١٢", "9" * 400, "<script>alert(1)</script>"):
        response = client_for(None).get(f"/media/{quote(medium, safe='')}/fandoms/")
        assert response.status_code == 404, medium
        assert "There is no medium" in response.text
        assert "choose one of the media below" in response.text
        assert "<script>alert" not in response.text


def test_wranglers_file_fandoms_under_a_medium(
    shelf: dict[str, Work], wrangler: User, author: User
) -> None:
    bebop = Tag.objects.get(name="Cowboy Bebop")
    client = client_for(wrangler)
    page = client.get("/tags/Cowboy Bebop/").text
    assert 'name="medium"' in page and '<option value="anime-manga" selected>' in page
    response = client.post(
        "/tags/wrangle/",
        {"tag": bebop.pk, "action": "media", "medium": Media.TV, "next": "/tags/wrangle/"},
        follow=True,
    )
    assert "“Cowboy Bebop” is now filed under TV Shows." in response.text
    bebop.refresh_from_db()
    assert bebop.media == Media.TV
    response = client.post(
        "/tags/wrangle/", {"tag": bebop.pk, "action": "media", "medium": "podcasts"}, follow=True
    )
    assert "Nothing changed" in response.text and "podcasts" in response.text
    response = client.post("/tags/wrangle/", {"tag": bebop.pk, "action": "media"}, follow=True)
    assert "now filed under no medium (uncategorized)" in response.text
    character = Tag.objects.create(name="Spike Spiegel", type=TagType.CHARACTER)
    response = client.post(
        "/tags/wrangle/",
        {"tag": character.pk, "action": "media", "medium": Media.TV},
        follow=True,
    )
    assert "only fandoms have a medium" in response.text
    with pytest.raises(PermissionDenied):
        set_media(author, bebop, Media.TV)
    with pytest.raises(ValidationError):
        set_media(wrangler, bebop, "podcasts")
    # The wrangling queue offers it for unwrangled fandoms too.
    queue = client.get("/tags/wrangle/").text
    assert "Unwrangled Fandom" in queue and 'name="medium"' in queue
    # Readers do not get the form.
    assert 'name="medium"' not in client_for(author).get("/tags/Cowboy Bebop/").text


def test_counts_follow_the_version_stamps(
    shelf: dict[str, Work],
    author: User,
    wrangler: User,
    django_capture_on_commit_callbacks: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def bebop() -> int:
        return next(row.count for row in fandom_rows() if row.name == "Cowboy Bebop")

    assert bebop() == 3
    # Cached: without a bump nothing is counted again...
    Work.objects.filter(pk=shelf["bebop1"].pk).update(restricted=True)
    assert bebop() == 3
    # ...and a change to works that commits makes the table stale: it is counted again once
    # it is older than RECOUNT_SECONDS (a busy archive's works change every second).
    with django_capture_on_commit_callbacks(execute=True):
        make_work(author, "Bebop Four", fandoms=("Cowboy Bebop",))
        make_work(author, "Bebop Five", fandoms=("Cowboy Bebop",))
    assert bebop() == 3
    monkeypatch.setattr(counts, "RECOUNT_SECONDS", 0)
    assert bebop() == 4  # two more, one fewer (the one now registered-only)
    monkeypatch.undo()
    # A wrangler's change (tags: the whole archive's stamp) shows at once.
    with django_capture_on_commit_callbacks(execute=True):
        set_media(wrangler, Tag.objects.get(name="Trigun"), Media.MOVIES)
    filed = {row.name: row.media for row in fandom_rows()}
    assert filed["Trigun"] == Media.MOVIES
    text = client_for(None).get("/media/anime-manga/fandoms/").text
    assert 'Cowboy Bebop</a> <span class="facet-count">(4)' in text
    assert "Trigun" not in text


def test_the_fandom_and_language_pages_are_served_from_the_page_cache() -> None:
    for path in ("/media/", "/media/anime-manga/fandoms/", "/languages/"):
        assert CACHEABLE.match(path), path
    for path in ("/media/Anime/fandoms/", "/people/search/", "/tags/search/"):
        assert not CACHEABLE.match(path), path


@pytest.fixture
def planner() -> Iterator[None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            yield
            cursor.execute("RESET enable_seqscan")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        yield


def test_the_count_tables_are_one_group_by_over_an_index(
    shelf: dict[str, Work], planner: None
) -> None:
    fandoms = fandom_count_query().explain()
    languages = language_count_query().explain()
    if connection.vendor == "sqlite":
        # Fandom by fandom from the (tag, work) index, grouped in its order; each work
        # checked by its key. No scan of works, filter taggings or tags.
        assert "filtertagging_tag_work_idx (tag_id=?)" in fandoms, fandoms
        assert "TEMP B-TREE" not in fandoms, fandoms
        for table in ("works_work", "tags_filtertagging", "tags_tag"):
            assert f"SCAN {table}" not in fandoms, fandoms
        # Languages: the index read in language order, grouped without a sort.
        assert "work_language_idx" in languages, languages
        assert "TEMP B-TREE" not in languages, languages
    else:
        assert "filtertagging" in fandoms and "Seq Scan on works_work" not in fandoms, fandoms
        assert "work_language_idx" in languages, languages


# Languages ----------------------------------------------------------------------------------


def test_languages_list_ao3s_languages_with_counts(shelf: dict[str, Work]) -> None:
    assert LANGUAGE_NAMES["zh"] == "中文-普通话 國語"
    assert LANGUAGE_NAMES["pt-BR"] == "Português brasileiro"
    assert LANGUAGE_NAMES["pt"] == "Português"  # works saved before the whole list
    assert len(LANGUAGE_NAMES) > 120
    text = client_for(None).get("/languages/").text
    # English: Bebop One, Bebop Three, Saiyuki, Odd (not the restricted, draft or hidden).
    assert (
        '<a href="/works/?language=en">English</a> <span class="facet-count" lang="en">(en, 4 works)'
        in text
    )
    assert '<a href="/works/?language=zh">中文-普通话 國語</a>' in text
    assert '<a href="/works/?language=pt-BR">Português brasileiro</a>' in text
    assert "(pt-BR, 1 work)" in text and "(ja, 1 work)" in text
    assert "(ko, 0 works)" in text
    assert "Works in 4 languages." in text
    # The link's listing filters by that language.
    listing = client_for(None).get("/works/?language=pt-BR").text
    assert "Trigun Two" in listing and "Trigun One" not in listing


def test_the_work_form_offers_the_whole_list(author: User) -> None:
    text = client_for(author).get("/works/new/").text
    assert '<option value="pt-BR">Português brasileiro</option>' in text
    assert '<option value="yue">中文-广东话 粵語</option>' in text


# People ------------------------------------------------------------------------------------


def test_people_search_finds_pseuds_and_user_names(
    shelf: dict[str, Work], author: User, stranger: User, reader: User
) -> None:
    pen = add_pseud(author, "Starling")
    post_work(
        author,
        WorkInput(
            title="Under a pen name",
            fandoms=["Trigun"],
            warnings=["No Archive Warnings Apply"],
            rating="general",
            text_format="text",
        ),
        ChapterInput(text="Words.", text_format="text"),
        pseuds=[pen],
    )
    guest = client_for(None)
    text = guest.get("/people/search/", {"q": "auth"}).text
    assert 'href="/users/author/pseuds/author/">author</a>' in text
    # Guests count posted public works: Bebop One, Two, Saiyuki, Odd (not restricted, draft,
    # hidden; the pen name's work is Starling's).
    assert "4 works" in text
    assert "Cowboy Bebop</a> (2)" in text and "Saiyuki</a> (1)" in text
    assert "Unwrangled Fandom</a> (1)" in text
    assert "Starling" in text  # a pseud of the account named "author..."
    members = client_for(reader).get("/people/search/", {"q": "AUTH"}).text
    assert "5 works" in members  # registered readers also get the registered-only one
    text = guest.get("/people/search/", {"q": "star"}).text
    assert "Starling" in text and '(<a href="/users/author/">author</a>)' in text
    assert "Trigun</a> (1)" in text and "1 work<" in text
    assert "Nobody's name starts with “zzz”" in guest.get("/people/search/", {"q": "zzz"}).text
    assert "Type the beginning of a name." in guest.get("/people/search/").text
    # Muted people are left out for whoever muted them; banned accounts for everyone.
    mute_user(reader, stranger)
    assert "stranger" not in client_for(reader).get("/people/search/", {"q": "str"}).text
    assert "stranger" in guest.get("/people/search/", {"q": "str"}).text
    moderator = sign_up("moddy", "moddy@example.org", PASSWORD)
    from django.contrib.auth.models import Group

    moderator.groups.add(Group.objects.get_or_create(name=MODERATOR_GROUP)[0])
    ban_user(moderator, stranger, "spam")
    assert "stranger" not in guest.get("/people/search/", {"q": "str"}).text


def test_people_search_pages(db: None) -> None:
    for i in range(45):
        sign_up(f"person{i:02}", f"person{i}@example.org", PASSWORD)
    guest = client_for(None)
    text = guest.get("/people/search/", {"q": "person"}).text
    assert "1–20 of 45" in text and "person00" in text and "person20" not in text
    assert 'rel="next" href="?q=person&amp;page=2"' in text
    text = guest.get("/people/search/", {"q": "person", "page": "3"}).text
    assert "41–45 of 45" in text
    for page, message in (
        ("99999999999999999999", "There is no page 99999999999999999999; showing page 3,"),
        ("-1", "“-1” is not a page number; showing page 1."),
        ("abc", "“abc” is not a page number"),
        # Arabic-Indic digits are not a page number here (core/numbers.py), nor is "²".
        ("٢", "“٢” is not a page number; showing page 1."),
        ("²", "“²” is not a page number"),
    ):
        response = guest.get("/people/search/", {"q": "person", "page": page})
        assert response.status_code == 200 and message in response.text, page


# Tags ---------------------------------------------------------------------------------------


def test_tag_search_finds_tags_with_counts(
    shelf: dict[str, Work], author: User, wrangler: User
) -> None:
    make_work(author, "Secret", fandoms=("Cowboy Bebop",), freeforms=["Cowgirl Secret"], draft=True)
    make_work(author, "Coffee", fandoms=("Cowboy Bebop",), freeforms=["Coffee Shop AU"])
    Tag.objects.create(
        name="Bebop", type=TagType.FANDOM, merger=Tag.objects.get(name="Cowboy Bebop")
    )
    guest = client_for(None)
    text = guest.get("/tags/search/", {"q": "co"}).text
    assert 'Cowboy Bebop</a> <span class="facet-count">(Fandom, Anime &amp; Manga, ' in text
    assert "4 works</a>" in text  # Bebop One, Two, Three and Coffee
    assert "Coffee Shop AU" in text and "1 work</a>" in text
    assert "Cowgirl Secret" not in text  # only a draft uses it
    assert "Cowgirl Secret" in client_for(wrangler).get("/tags/search/", {"q": "co"}).text
    text = guest.get("/tags/search/", {"q": "co", "type": "freeform"}).text
    assert "Coffee Shop AU" in text and "Cowboy Bebop" not in text
    text = guest.get("/tags/search/", {"q": "co", "canonical": "yes"}).text
    assert "Cowboy Bebop" in text and "Coffee Shop AU" not in text
    text = guest.get("/tags/search/", {"q": "beb"}).text
    assert 'a synonym of <a href="/tags/Cowboy%20Bebop/">Cowboy Bebop</a>' in text
    # Wranglers see the wrangling state.
    text = client_for(wrangler).get("/tags/search/", {"q": "co"}).text
    assert ", canonical)" in text and ", not canonical)" in text
    # Type alone lists every tag of the type.
    text = guest.get("/tags/search/", {"type": "fandom"}).text
    assert "Cowboy Bebop" in text and "Saiyuki" in text and "Coffee" not in text
    assert "Type the beginning of a tag" in guest.get("/tags/search/").text


def test_tag_search_says_what_was_wrong(shelf: dict[str, Work]) -> None:
    guest = client_for(None)
    cases = [
        ({"type": "media"}, "“media” is not a tag type; showing every type"),
        ({"canonical": "maybe"}, "“maybe” is not a choice for Canonical"),
        ({"q": "a,b"}, "which tags cannot hold"),
        ({"q": "x" * 400}, "Tag names are at most 150 characters"),
        ({"q": "co", "page": "-5"}, "“-5” is not a page number; showing page 1."),
        ({"q": "co", "page": "99"}, "There is no page 99; showing page 1, the last."),
        ({"q": "co", "page": "1e9"}, "“1e9” is not a page number"),
    ]
    for params, message in cases:
        response = guest.get("/tags/search/", params)
        assert response.status_code == 200, params
        assert message in response.text, (params, response.text[-3000:])
    # The autocomplete stays as it was.
    assert guest.get("/tags/autocomplete/", {"type": "fandom", "q": "cow"}).json() == {
        "tags": [{"name": "Cowboy Bebop", "url": "/tags/Cowboy%20Bebop/"}]
    }


# Every page: hostile input, query counts, navigation ------------------------------------------


def test_hostile_parameters_never_fail(shelf: dict[str, Work], reader: User) -> None:
    pages = [
        ("/people/search/", ["q", "page"]),
        ("/tags/search/", ["q", "type", "canonical", "page"]),
        ("/media/", ["page"]),
        ("/languages/", ["q"]),
    ]
    clients = [client_for(None), client_for(reader)]
    for index, payload in enumerate(hostile_corpus()[::6]):
        client = clients[index % 2]
        path, keys = pages[index % len(pages)]
        key = keys[index % len(keys)]
        params = {key: payload, "q": payload} if key != "q" else {key: payload}
        response = client.get(path, params)
        assert response.status_code == 200, (path, key, payload)
        assert "<script>alert" not in response.text
        # The medium in the path: never a 500, a 404 page that names the media.
        response = client.get(f"/media/{quote(payload, safe='')}/fandoms/")
        assert response.status_code in (200, 404), payload
    huge = {"q": "co", "type": "fandom", "canonical": "no", "page": str(2**80)}
    assert client_for(None).get("/tags/search/", huge).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/media/",
        "/media/anime-manga/fandoms/",
        "/languages/",
        "/people/search/?q=a",
        "/tags/search/?q=c",
        "/tags/search/?type=fandom",
    ],
)
def test_list_pages_make_a_fixed_number_of_queries(
    path: str, author: User, reader: User, django_assert_max_num_queries: Any
) -> None:
    for i in range(2):
        make_work(author, f"Story {i}", fandoms=(f"Cowboy {i}",), freeforms=[f"Cozy {i}"])
        canonical(f"Cowboy {i}", Media.ANIME)
    for client in (client_for(None), client_for(reader)):
        from django.core.cache import cache

        cache.clear()
        # The layout's own queries (site settings, terms; a member's session, preferences and
        # inbox) and the page's: each count table or page is one to three queries.
        with django_assert_max_num_queries(16) as few:
            assert client.get(path).status_code == 200
        for i in range(2, 30):
            user = sign_up(f"author{i}", f"a{i}@example.org", PASSWORD)
            make_work(user, f"Story {i}", fandoms=(f"Cowboy {i}",), freeforms=[f"Cozy {i}"])
            canonical(f"Cowboy {i}", Media.ANIME)
        cache.clear()
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(path).status_code == 200
        Work.objects.filter(title__startswith="Story ").exclude(
            title__in=["Story 0", "Story 1"]
        ).delete()
        User.objects.filter(username__startswith="author").exclude(username="author").delete()
        Tag.objects.filter(name__regex=r"^(Cowboy|Cozy) ([2-9]|[12][0-9])$").delete()


def test_every_page_links_to_the_browse_pages(db: None) -> None:
    text = client_for(None).get("/").text
    for link in (
        'href="/media/"',
        'href="/languages/"',
        'href="/people/search/"',
        'href="/tags/search/"',
    ):
        assert link in text
    for path in ("/media/", "/languages/", "/people/search/", "/tags/search/"):
        page = client_for(None).get(path).text
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
        assert "<table" not in page  # lists that wrap on a narrow screen


@commits
def test_guests_get_the_fandoms_page_from_the_page_cache_until_a_wrangler_changes_it(
    author: User, wrangler: User
) -> None:
    from tests.test_page_cache import Visitor

    make_work(author, "Bebop One", fandoms=("Cowboy Bebop",))
    bebop = canonical("Cowboy Bebop", Media.ANIME)
    guest = Visitor(pagecache.PageCache(get_wsgi_application()))
    first = guest.get("/media/anime-manga/fandoms/")
    assert first.status == 200 and "Cowboy Bebop" in first.body
    again = guest.get("/media/anime-manga/fandoms/")
    assert again.cache == "hit" and "Cowboy Bebop" in again.body
    set_media(wrangler, bebop, Media.TV)  # commits: the stamp moves
    after = guest.get("/media/anime-manga/fandoms/")
    assert after.cache != "hit" and "Cowboy Bebop" not in after.body
    assert "Cowboy Bebop" in guest.get("/media/tv-shows/fandoms/").body


def test_demo_fandoms_are_filed_under_media(db: None) -> None:
    wrangle_demo_tags()
    rows = fandom_rows()
    filed = {row.name: row.media for row in rows}
    assert filed["Starfall Academy (TV)"] == Media.TV
    assert filed["Saltwind (Video Game)"] == Media.VIDEO_GAMES
    assert filed["Starfall Academy - All Media Types"] == Media.UNCATEGORIZED
    assert len({media for media in filed.values()}) >= 5


def test_private_use_language_codes_get_no_lang_attribute() -> None:
    from ficarchive.works.languages import html_lang

    assert [html_lang(c) for c in ("qkz", "qmd", "tqx", "other")] == ["", "", "", ""]
    assert [html_lang(c) for c in ("en", "pt-BR", "zh", "tok")] == ["en", "pt-BR", "zh", "tok"]
