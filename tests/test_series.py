"""Series (ordering, navigation, permissions) and related works ("inspired by")."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.notifications.models import Notification
from ficarchive.series.actions import SeriesInput, add_related_work, add_work, create_series
from ficarchive.series.models import RelatedWork, Series, SeriesWork
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, client_for, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db: None) -> User:
    user = sign_up("mod_jane", "mod@example.org", PASSWORD)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def positions(series: Series) -> list[str]:
    return list(
        SeriesWork.objects.filter(series=series)
        .order_by("position")
        .values_list("work__title", flat=True)
    )


def test_a_creator_makes_a_series_and_adds_works_in_order(author: User) -> None:
    one, two, three = (make_work(author, t) for t in ("One", "Two", "Three"))
    client = client_for(author)
    response = client.post(
        "/series/new/", {"title": "  Dome   Weather ", "summary": "<b>Rain</b><script>x</script>"}
    )
    assert response.status_code == 302
    series = Series.objects.get()
    assert series.title == "Dome Weather" and series.creator == author
    assert series.summary_html == "<p><b>Rain</b></p>"
    for work in (one, two, three, two):  # adding Two again changes nothing
        assert client.post(f"/series/{series.pk}/add/", {"work": work.pk}).status_code == 302
    assert positions(series) == ["One", "Two", "Three"]
    page = client_for(None).get(f"/series/{series.pk}/").content.decode()
    assert page.index("One") < page.index("Two") < page.index("Three")
    client.post(
        f"/series/{series.pk}/order/",
        {f"position_{one.pk}": 3, f"position_{two.pk}": 1, f"position_{three.pk}": 2},
    )
    assert positions(series) == ["Two", "Three", "One"]
    hostile = {f"position_{one.pk}": "<script>", f"position_{two.pk}": "9" * 50}
    response = client.post(f"/series/{series.pk}/order/", hostile)
    assert response.status_code == 200 and "Enter a whole number" in response.content.decode()
    assert positions(series) == ["Two", "Three", "One"]
    client.post(f"/series/{series.pk}/remove/", {"work": three.pk})
    assert positions(series) == ["Two", "One"]
    assert list(SeriesWork.objects.filter(series=series).values_list("position", flat=True)) == [
        1,
        2,
    ]
    client.post(f"/series/{series.pk}/edit/", {"title": "Dome Weather", "complete": "on"})
    series.refresh_from_db()
    assert series.complete
    assert "Dome Weather" in client_for(None).get("/users/author/series/").content.decode()
    client.post(f"/series/{series.pk}/delete/")
    assert not Series.objects.exists()
    assert Work.objects.count() == 3  # the works stay


def test_only_the_creator_changes_a_series(author: User, reader: User, moderator: User) -> None:
    work = make_work(author)
    series = create_series(author, SeriesInput(title="Dome Weather"))
    add_work(author, series, work)
    guest = client_for(None)
    assert guest.get("/series/new/").status_code == 302
    assert guest.post(f"/series/{series.pk}/edit/", {"title": "x"}).status_code == 302
    for user in (reader, moderator):
        client = client_for(user)
        for url in ("edit", "delete", "order"):
            assert client.get(f"/series/{series.pk}/{url}/").status_code == 404
        assert client.post(f"/series/{series.pk}/delete/").status_code == 404
        assert client.post(f"/series/{series.pk}/remove/", {"work": work.pk}).status_code == 404
        assert client.post(f"/series/{series.pk}/add/", {"work": work.pk}).status_code == 404
        page = client.get(f"/series/{series.pk}/").content.decode()
        assert "Edit series" not in page and "Add a work" not in page
    assert Series.objects.get().title == "Dome Weather"
    assert positions(series) == ["Dome Weather"]
    assert client_for(author).get("/series/999999/").status_code == 404


def test_a_creator_adds_only_their_own_works(author: User, reader: User) -> None:
    theirs = make_work(author, "Not Yours")
    mine = make_work(reader, "Mine")
    series = create_series(reader, SeriesInput(title="My Series"))
    client = client_for(reader)
    client.post(f"/series/{series.pk}/add/", {"work": theirs.pk})
    client.post(f"/series/{series.pk}/add/", {"work": "<script>"})
    client.post(f"/series/{series.pk}/add/", {"work": "9" * 40})
    assert positions(series) == []
    client.post(f"/series/{series.pk}/add/", {"work": mine.pk})
    assert positions(series) == ["Mine"]
    assert client.post(f"/series/{series.pk}/remove/", {"work": "x\u0660"}).status_code == 302


def test_series_show_only_visible_works_and_the_work_page_navigates(
    author: User, reader: User
) -> None:
    one = make_work(author, "Part One")
    draft = make_work(author, "Draft Part", draft=True)
    three = make_work(author, "Part Three")
    members = make_work(author, "Members Part", restricted=True)
    series = create_series(author, SeriesInput(title="Dome Weather"))
    for work in (one, draft, three, members):
        add_work(author, series, work)
    guest_page = client_for(None).get(f"/series/{series.pk}/").content.decode()
    assert "Part One" in guest_page and "Part Three" in guest_page
    assert "Draft Part" not in guest_page and "Members Part" not in guest_page
    reader_page = client_for(reader).get(f"/series/{series.pk}/").content.decode()
    assert "Members Part" in reader_page and "Draft Part" not in reader_page
    assert "Draft Part" in client_for(author).get(f"/series/{series.pk}/").content.decode()

    page = client_for(reader).get(f"/works/{three.pk}/").content.decode()
    assert f'Part 3 of <a href="/series/{series.pk}/">Dome Weather</a>' in page
    assert f'href="/works/{one.pk}/">← Previous work' in page  # the draft is skipped
    assert f'href="/works/{members.pk}/">Next work →' in page
    guest = client_for(None).get(f"/works/{three.pk}/").content.decode()
    assert f"/works/{members.pk}/" not in guest
    assert f"/works/{draft.pk}/" not in guest
    first = client_for(reader).get(f"/works/{one.pk}/").content.decode()
    assert "Previous work" not in first and f'href="/works/{three.pk}/">Next work' in first


def test_the_work_page_hooks_cost_few_queries(author: User, reader: User) -> None:
    plain = make_work(author, "Plain")
    work = make_work(author, "In Series")
    series = create_series(author, SeriesInput(title="Dome Weather"))
    other = create_series(author, SeriesInput(title="Other Cycle"))
    for s in (series, other):
        add_work(author, s, make_work(author, f"Before {s.title}"))
        add_work(author, s, work)
    add_related_work(author, work, external_title="Somewhere", external_url="https://x.org/")
    add_related_work(reader, make_work(reader, "Child"), parent_work=work)
    client = client_for(reader)
    client.get(f"/works/{plain.pk}/")
    client.get(f"/works/{work.pk}/")
    with CaptureQueriesContext(connection) as baseline:
        client.get(f"/works/{plain.pk}/")
    with CaptureQueriesContext(connection) as with_series:
        response = client.get(f"/works/{work.pk}/")
    assert "Other Cycle" in response.content.decode()
    assert len(with_series) <= len(baseline)


def test_external_inspirations_are_kept_as_written(author: User, reader: User) -> None:
    work = make_work(author)
    client = client_for(author)
    assert client.get(f"/works/{work.pk}/related/").status_code == 200
    data = {
        "external_title": "  <b>Rain</b> & “Thunder” ",
        "external_author": "Ann O'Nymous <script>alert(1)</script>",
        "external_url": "https://example.org/story?a=1&b=<2>",
    }
    response = client.post(f"/works/{work.pk}/related/", data)
    assert response.status_code == 302
    related = RelatedWork.objects.get()
    assert related.external_title == data["external_title"]
    assert related.external_author == data["external_author"]
    assert related.external_url == data["external_url"]
    page = client_for(None).get(f"/works/{work.pk}/").content.decode()
    assert "Inspired by" in page
    assert "&lt;b&gt;Rain&lt;/b&gt; &amp; “Thunder”" in page
    assert 'rel="nofollow ugc" href="https://example.org/story?a=1&amp;b=&lt;2&gt;"' in page
    assert_nothing_executable(page, page=True)
    for bad in ("javascript:alert(1)", "data:text/html,x", "ftp://x.org/", "//evil.org/"):
        response = client.post(
            f"/works/{work.pk}/related/", {"external_title": "T", "external_url": bad}
        )
        assert response.status_code == 200 and "http" in response.content.decode()
    assert RelatedWork.objects.count() == 1
    # A title alone is enough; without a link the title shows as plain text.
    client.post(f"/works/{work.pk}/related/", {"external_title": "Told by a friend"})
    assert "Told by a friend" in client_for(None).get(f"/works/{work.pk}/").content.decode()
    # Removing.
    client.post(f"/works/{work.pk}/related/", {"intent": "remove", "related": related.pk})
    assert RelatedWork.objects.count() == 1


def test_only_a_works_creators_say_what_inspired_it(author: User, reader: User) -> None:
    work = make_work(author)
    for user in (reader, None):
        response = client_for(user).post(f"/works/{work.pk}/related/", {"external_title": "x"})
        assert response.status_code in (302, 404)
    assert not RelatedWork.objects.exists()
    assert client_for(reader).get(f"/works/{work.pk}/related/").status_code == 404


def test_inspired_by_a_work_here_waits_for_approval(
    author: User, reader: User, stranger: User
) -> None:
    parent = make_work(author, "Original")
    child = make_work(reader, "Fan Of The Fic")
    draft_parent = make_work(author, "Secret Draft", draft=True)
    client = client_for(reader)
    # Unreadable or bad parents are refused with a message.
    for bad in (str(draft_parent.pk), "999999", f"/works/{child.pk}/", "abc", "-1"):
        response = client.post(f"/works/{child.pk}/related/", {"parent": bad})
        assert response.status_code == 200, bad
    response = client.post(
        f"/works/{child.pk}/related/", {"parent": f"https://example.org/works/{parent.pk}/"}
    )
    assert response.status_code == 302
    client.post(f"/works/{child.pk}/related/", {"parent": str(parent.pk)})  # double submit
    related = RelatedWork.objects.get()
    assert related.parent_work == parent and not related.approved
    note = Notification.objects.get(recipient=author)
    assert note.url == "/related/" and "Fan Of The Fic" in note.message
    # Unapproved: shown on the child, not on the parent.
    assert "Original" in client_for(None).get(f"/works/{child.pk}/").content.decode()
    assert "Fan Of The Fic" not in client_for(None).get(f"/works/{parent.pk}/").content.decode()
    # Someone else cannot approve.
    client_for(stranger).post("/related/", {"intent": "approve", "related": related.pk})
    client.post("/related/", {"intent": "approve", "related": related.pk})
    related.refresh_from_db()
    assert not related.approved
    pending = client_for(author).get("/related/").content.decode()
    assert "Fan Of The Fic" in pending and "Approve" in pending
    client_for(author).post("/related/", {"intent": "approve", "related": related.pk})
    related.refresh_from_db()
    assert related.approved
    parent_page = client_for(None).get(f"/works/{parent.pk}/").content.decode()
    assert "Works inspired by this one" in parent_page and "Fan Of The Fic" in parent_page
    # If the child becomes invisible, the parent no longer links to it.
    child.hidden = True
    child.save(update_fields=["hidden"])
    assert "Fan Of The Fic" not in client_for(None).get(f"/works/{parent.pk}/").content.decode()
    child.hidden = False
    child.save(update_fields=["hidden"])
    # The parent's creator may reject (remove) the link.
    client_for(author).post("/related/", {"intent": "reject", "related": related.pk})
    assert not RelatedWork.objects.exists()
    assert client_for(None).get("/related/").status_code == 302
    assert client_for(author).post("/related/", {"related": "<x>"}).status_code == 302


def test_linking_to_your_own_work_is_approved_at_once(author: User) -> None:
    parent = make_work(author, "First")
    child = make_work(author, "Second")
    client_for(author).post(f"/works/{child.pk}/related/", {"parent": str(parent.pk)})
    assert RelatedWork.objects.get().approved
    assert not Notification.objects.exists()


def test_series_lists_have_flat_query_counts(
    author: User, reader: User, django_assert_max_num_queries: object
) -> None:
    series = create_series(author, SeriesInput(title="Long Series"))
    for n in range(14):
        add_work(author, series, make_work(author, f"Part {n}", freeforms=[f"tag {n}"]))
        create_series(author, SeriesInput(title=f"Series {n}"))
    client = client_for(reader)
    for url in (f"/series/{series.pk}/", "/users/author/series/"):
        client.get(url)
        with django_assert_max_num_queries(12):  # type: ignore[operator]
            assert client.get(url).status_code == 200
    owner = client_for(author)
    owner.get(f"/series/{series.pk}/")
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        assert owner.get(f"/series/{series.pk}/").status_code == 200


def test_hostile_input_in_series_and_related_forms(author: User) -> None:
    work = make_work(author)
    client = client_for(author)
    series = create_series(author, SeriesInput(title="Start"))
    corpus = hostile_corpus()
    for index, text in enumerate(corpus):
        response = client.post(
            f"/series/{series.pk}/edit/", {"title": text, "summary": text, "notes": text}
        )
        assert response.status_code in (200, 302, 400), text
        # The parent field is cleaned too (and the form then says "either ... or").
        response = client.post(
            f"/works/{work.pk}/related/",
            {
                "parent": text,
                "external_title": text,
                "external_author": text,
                "external_url": text,
            },
        )
        assert response.status_code in (200, 302, 400), text
        if index % 3 == 0:
            response = client.post(
                f"/works/{work.pk}/related/",
                {"external_title": text, "external_author": text, "external_url": text},
            )
            assert response.status_code in (200, 302, 400), text
        if index % 150 == 0 or index == len(corpus) - 1:
            for url in (f"/series/{series.pk}/", f"/works/{work.pk}/", "/users/author/series/"):
                assert_nothing_executable(client.get(url).content.decode(), page=True)
            RelatedWork.objects.all().delete()
    # Titles with markup are kept as typed and escaped.
    client.post(f"/works/{work.pk}/related/", {"external_title": "<img src=x onerror=alert(1)>"})
    page = client.get(f"/works/{work.pk}/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert_nothing_executable(page, page=True)
    response = client.post(f"/series/{series.pk}/edit/", {"title": "t", "notes": "x" * 200_000})
    assert response.status_code == 200
