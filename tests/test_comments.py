"""Comments: permissions (author, reader, stranger, guest, blocked user, moderator), threads,
edit and delete, freezing, moderation, double submits, hostile input, paragraph comments and
their re-anchoring when a chapter is edited, mutes, and flat query counts on the work page."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.blocking.actions import block_user, mute_user
from ficarchive.comments.actions import (
    CommentInput,
    add_comment,
    delete_comment,
    render_comment,
)
from ficarchive.comments.models import Comment, CommentStatus
from ficarchive.comments.paragraphs import paragraph_texts, reanchor
from ficarchive.works.actions import ChapterInput, add_chapter, delete_chapter, update_chapter
from ficarchive.works.models import Chapter, Work
from tests.conftest import PASSWORD, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable

STORY = "First paragraph about the dome.\n\nSecond paragraph about the rain.\n\nThird and last."


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    # The moderation app's limits have their own tests; these post many comments.
    settings.MODERATION_RATE_LIMITS = {"comment": [], "kudos": []}


@pytest.fixture
def moderator(db: None) -> User:
    user = sign_up("staffer", "staffer@example.org", PASSWORD)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def work(author: User) -> Work:
    return make_work(author, text=STORY)


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _chapter(work: Work) -> Chapter:
    return Chapter.objects.get(work=work, position=1)


def _nonce() -> str:
    return uuid.uuid4().hex


def _post(client: Client, work: Work, text: str, **extra: Any) -> Any:
    data = {"chapter": _chapter(work).pk, "text": text, "nonce": _nonce(), **extra}
    return client.post(f"/works/{work.pk}/comments/", data)


def _add(work: Work, user: User | None, text: str = "Lovely.", **kwargs: Any) -> Comment:
    parent = kwargs.pop("parent", None)
    comment, created = add_comment(
        work,
        _chapter(work),
        CommentInput(text=text, nonce=_nonce(), **kwargs),
        user=user,
        parent=parent,
    )
    assert created
    return comment


def _count(work: Work) -> int:
    work.refresh_from_db()
    assert (
        work.comment_count
        == Comment.objects.filter(work=work, status=CommentStatus.PUBLISHED).count()
    )
    return work.comment_count


# ------------------------------------------------------------------ posting


def test_a_reader_comments_and_everyone_sees_it(work: Work, reader: User) -> None:
    response = _post(_client(reader), work, "What a <em>storm</em>!")
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert response["Location"] == f"/works/{work.pk}/chapters/1/#comment-{comment.pk}"
    assert comment.text_html == "<p>What a <em>storm</em>!</p>"
    assert _count(work) == 1
    page = _client().get(f"/works/{work.pk}/").content.decode()
    assert "What a <em>storm</em>!" in page
    assert "Comments (1)" in page
    assert_nothing_executable(page, page=True)


def test_guests_comment_with_a_name_and_email(work: Work) -> None:
    guest = _client()
    response = _post(guest, work, "Guest here.")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Name is empty" in page and "Email is empty" in page
    response = _post(guest, work, "Guest here.", guest_name="Faye", guest_email="not-an-email")
    assert "Email is not an email address" in response.content.decode()
    response = _post(guest, work, "Guest here.", guest_name="Faye", guest_email="f@example.org")
    assert response.status_code == 302
    assert "Faye (guest)" in _client().get(f"/works/{work.pk}/").content.decode()
    assert _count(work) == 1


def test_the_database_requires_guest_names(work: Work) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(
            work=work, chapter=_chapter(work), text="x", text_html="<p>x</p>", nonce=_nonce()
        )


def test_registered_only_comments_refuse_guests(author: User, reader: User) -> None:
    work = make_work(author, comment_permission="registered")
    page = _client().get(f"/works/{work.pk}/").content.decode()
    assert "to comment: this work takes comments from registered users only" in page
    response = _post(_client(), work, "Hi", guest_name="G", guest_email="g@example.org")
    assert "Only registered users can comment" in response.content.decode()
    assert _post(_client(reader), work, "Hi").status_code == 302
    assert _count(work) == 1


def test_comments_can_be_turned_off(author: User, reader: User) -> None:
    work = make_work(author, comment_permission="nobody")
    assert "Comments are turned off" in _client(reader).get(f"/works/{work.pk}/").content.decode()
    response = _post(_client(reader), work, "Hi")
    assert "Comments are turned off for this work." in response.content.decode()
    assert not Comment.objects.exists()


def test_the_work_form_sets_comment_and_kudos_choices(author: User) -> None:
    work = make_work(author)
    client = _client(author)
    form = client.get(f"/works/{work.pk}/edit/").content.decode()
    assert "Who may comment" in form
    data = {
        "title": work.title,
        "rating": work.rating,
        "warnings": "No Archive Warnings Apply",
        "fandoms": "Cowboy Bebop",
        "text_format": "text",
        "language": "en",
        "comment_permission": "registered",
        "moderate_comments": "on",
    }
    response = client.post(f"/works/{work.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    work.refresh_from_db()
    assert work.comment_permission == "registered"
    assert work.moderate_comments is True
    assert work.allow_guest_kudos is False
    data["comment_permission"] = "<script>"
    assert client.post(f"/works/{work.pk}/edit/", data).status_code == 200


def test_a_double_submit_makes_one_comment(work: Work, reader: User) -> None:
    client = _client(reader)
    data = {"chapter": _chapter(work).pk, "text": "Once!", "nonce": _nonce()}
    first = client.post(f"/works/{work.pk}/comments/", data)
    second = client.post(f"/works/{work.pk}/comments/", data, follow=True)
    assert first.status_code == 302
    assert "Your comment was already posted." in second.content.decode()
    assert Comment.objects.count() == 1
    assert _count(work) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        comment = Comment.objects.get()
        comment.pk = None
        comment.save()


def test_a_form_without_its_key_is_sent_back(work: Work, reader: User) -> None:
    response = _post(_client(reader), work, "Hello", nonce="<script>" * 100)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The form was incomplete" in page
    assert re.search(r'name="nonce" value="[0-9a-f]{32}"', page)
    assert not Comment.objects.exists()


def test_the_honeypot_refuses_robots(work: Work, reader: User) -> None:
    response = _post(_client(reader), work, "Buy now", website="http://spam.example")
    assert response.status_code == 200
    assert not Comment.objects.exists()


def test_bad_input_gets_messages_not_errors(work: Work, reader: User) -> None:
    client = _client(reader)
    assert "Comment is empty" in _post(client, work, "   ").content.decode()
    assert "the limit is 10,000" in _post(client, work, "x" * 10_001).content.decode()
    only_markup = _post(client, work, "<script>alert(1)</script>").content.decode()
    assert "nothing left to show" in only_markup
    assert "no paragraph 99" in _post(client, work, "Hi", paragraph="99").content.decode()
    assert "Paragraph must be" in _post(client, work, "Hi", paragraph="two").content.decode()
    assert _post(client, work, "Hi\x00there").status_code == 400
    url = f"/works/{work.pk}/comments/"
    assert client.post(url, {"chapter": "abc", "text": "x"}).status_code == 404
    assert client.post(url, {"chapter": "9" * 40, "text": "x"}).status_code == 404
    assert client.get(url).status_code == 404  # the form page needs a chapter
    assert client.put(url).status_code == 405
    assert not Comment.objects.exists()


def test_links_get_nofollow_ugc() -> None:
    markup = render_comment('See <a href="https://example.org/" rel="me">this</a> and https://x.y')
    assert '<a href="https://example.org/" rel="nofollow ugc noopener">this</a>' in markup
    assert (
        render_comment('<a href="javascript:alert(1)">x</a>')
        == '<p><a rel="nofollow ugc noopener">x</a></p>'
    )


def _corpus() -> list[str]:
    return [s for s in hostile_corpus() if s.strip()]


def test_hostile_corpora_as_comment_text_store_nothing_executable(work: Work, reader: User) -> None:
    stored = 0
    for index, text in enumerate(_corpus()):
        text = text.replace("\x00", "")
        try:
            comment = _add(work, reader, text)
        except Exception as error:
            assert type(error).__name__ == "ValidationError", (index, text, error)
            continue
        assert_nothing_executable(comment.text_html)
        assert 'rel="nofollow ugc noopener"' in comment.text_html or "<a" not in comment.text_html
        stored += 1
    assert stored > 500
    page = _client().get(f"/works/{work.pk}/").content.decode()
    assert_nothing_executable(page, page=True)


def test_hostile_corpora_through_the_forms(work: Work, reader: User) -> None:
    client = _client()
    for text in _corpus()[::15]:
        response = _post(client, work, text, guest_name=text[:100], guest_email="g@example.org")
        assert response.status_code in {200, 302, 400}, text
        assert_nothing_executable(response.content.decode(), page=True)
    for comment in Comment.objects.all():
        assert_nothing_executable(comment.text_html)
    assert_nothing_executable(_client().get(f"/works/{work.pk}/").content.decode(), page=True)
    first = Comment.objects.first()
    assert first is not None
    assert_nothing_executable(_client().get(f"/comments/{first.pk}/").content.decode(), page=True)


# ------------------------------------------------------------------ threads


def test_replies_thread_under_their_parent(work: Work, reader: User, stranger: User) -> None:
    top = _add(work, reader, "Top.")
    client = _client(stranger)
    assert "reader wrote" in client.get(f"/comments/{top.pk}/reply/").content.decode()
    response = client.post(f"/comments/{top.pk}/reply/", {"text": "Reply!", "nonce": _nonce()})
    assert response.status_code == 302
    reply = Comment.objects.get(parent=top)
    assert reply.thread_id == top.pk
    deeper = _add(work, reader, "Deeper.", parent=reply)
    assert deeper.thread_id == top.pk
    page = _client().get(f"/comments/{top.pk}/").content.decode()
    assert page.index("Top.") < page.index("Reply!") < page.index("Deeper.")
    assert page.count('class="comment-replies"') == 2
    assert _count(work) == 3


def test_deep_threads_stop_indenting(work: Work, reader: User) -> None:
    parent = _add(work, reader, "Level 0")
    for level in range(1, 9):
        parent = _add(work, reader, f"Level {level}", parent=parent)
    page = _client().get(f"/works/{work.pk}/").content.decode()
    assert "depth-5" in page and "depth-6" not in page
    assert "Level 8" in page and "in reply to reader" in page


def test_creators_freeze_threads(work: Work, author: User, reader: User, stranger: User) -> None:
    top = _add(work, reader, "Top.")
    assert _client(reader).post(f"/comments/{top.pk}/freeze/", {"frozen": "1"}).status_code == 403
    assert _client(author).post(f"/comments/{top.pk}/freeze/", {"frozen": "1"}).status_code == 302
    top.refresh_from_db()
    assert top.frozen
    assert _client(stranger).get(f"/comments/{top.pk}/reply/").status_code == 403
    response = _client(stranger).post(
        f"/comments/{top.pk}/reply/", {"text": "x", "nonce": _nonce()}
    )
    assert response.status_code == 403
    assert "Unfreeze thread" in _client(author).get(f"/works/{work.pk}/").content.decode()
    _client(author).post(f"/comments/{top.pk}/freeze/", {"frozen": "0"})
    top.refresh_from_db()
    assert not top.frozen


def test_commenters_edit_their_own(work: Work, reader: User, stranger: User) -> None:
    comment = _add(work, reader, "Frist.")
    assert _client(stranger).get(f"/comments/{comment.pk}/edit/").status_code == 403
    assert _client().get(f"/comments/{comment.pk}/edit/").status_code == 403
    client = _client(reader)
    assert "Frist." in client.get(f"/comments/{comment.pk}/edit/").content.decode()
    assert client.post(f"/comments/{comment.pk}/edit/", {"text": "First."}).status_code == 302
    comment.refresh_from_db()
    assert comment.text_html == "<p>First.</p>" and comment.edited_at is not None
    assert "(edited)" in _client().get(f"/works/{work.pk}/").content.decode()
    assert (
        "Comment is empty"
        in client.post(f"/comments/{comment.pk}/edit/", {"text": ""}).content.decode()
    )


def test_who_may_delete(
    work: Work, author: User, reader: User, stranger: User, moderator: User
) -> None:
    one, two, three = (_add(work, reader, f"Comment {n}.") for n in (1, 2, 3))
    assert _client(stranger).post(f"/comments/{one.pk}/delete/").status_code == 403
    assert _client().post(f"/comments/{one.pk}/delete/").status_code == 403
    client = _client(reader)
    assert "Delete this comment?" in client.get(f"/comments/{one.pk}/delete/").content.decode()
    assert client.post(f"/comments/{one.pk}/delete/").status_code == 302
    assert _client(author).post(f"/comments/{two.pk}/delete/").status_code == 302
    assert _client(moderator).post(f"/comments/{three.pk}/delete/").status_code == 302
    assert Comment.objects.filter(status=CommentStatus.DELETED).count() == 3
    assert _count(work) == 0


def test_deleted_comments_with_replies_leave_a_placeholder(
    work: Work, reader: User, stranger: User
) -> None:
    top = _add(work, reader, "Secret words.")
    _add(work, stranger, "An answer.", parent=top)
    lonely = _add(work, reader, "Lonely words.")
    delete_comment(reader, top)
    delete_comment(reader, lonely)
    page = _client().get(f"/works/{work.pk}/").content.decode()
    assert "(This comment was deleted.)" in page
    assert page.count("(This comment was deleted.)") == 1
    assert "Secret words." not in page and "Lonely words." not in page
    assert "An answer." in page
    assert _count(work) == 1
    assert _client(stranger).get(f"/comments/{top.pk}/reply/").status_code == 403


# --------------------------------------------------------------- moderation


def test_moderated_works_hold_comments_for_the_creators(
    author: User, reader: User, stranger: User
) -> None:
    work = make_work(author, moderate_comments=True)
    response = _post(_client(reader), work, "Please approve.")
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == CommentStatus.PENDING
    assert _count(work) == 0
    assert "Please approve." not in _client(stranger).get(f"/works/{work.pk}/").content.decode()
    assert _client(stranger).get(f"/comments/{comment.pk}/").status_code == 404
    own = _client(reader).get(f"/works/{work.pk}/").content.decode()
    assert "Please approve." in own and "Awaiting approval" in own
    creator_page = _client(author).get(f"/works/{work.pk}/").content.decode()
    assert f'action="/comments/{comment.pk}/approve/"' in creator_page
    assert _client(reader).post(f"/comments/{comment.pk}/approve/").status_code == 403
    assert _client(author).post(f"/comments/{comment.pk}/approve/").status_code == 302
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PUBLISHED
    assert _count(work) == 1
    assert "Please approve." in _client(stranger).get(f"/works/{work.pk}/").content.decode()


def test_creators_own_comments_skip_moderation(author: User) -> None:
    work = make_work(author, moderate_comments=True)
    assert _add(work, author, "Thanks all.").status == CommentStatus.PUBLISHED


def test_pending_comments_cannot_be_replied_to(author: User, reader: User) -> None:
    work = make_work(author, moderate_comments=True)
    held = _add(work, reader, "Held.")
    response = _client(author).post(f"/comments/{held.pk}/reply/", {"text": "x", "nonce": _nonce()})
    assert response.status_code == 403


# ----------------------------------------------------------- blocks, mutes


def test_blocked_readers_cannot_comment_or_reply(work: Work, author: User, reader: User) -> None:
    top = _add(work, author, "Author note.")
    block_user(author, reader)
    response = _post(_client(reader), work, "Let me in.")
    assert response.status_code == 403
    assert "blocked you" in response.content.decode()
    assert _client(reader).get(f"/comments/{top.pk}/reply/").status_code == 403
    reply = _client(reader).post(f"/comments/{top.pk}/reply/", {"text": "x", "nonce": _nonce()})
    assert reply.status_code == 403
    assert Comment.objects.count() == 1


def test_muted_users_comments_are_hidden_counts_included(
    work: Work, reader: User, stranger: User
) -> None:
    noisy = _add(work, stranger, "Noisy words.")
    _add(work, reader, "Replying to the noise.", parent=noisy)
    _add(work, reader, "My own words.")
    mute_user(reader, stranger)
    page = _client(reader).get(f"/works/{work.pk}/").content.decode()
    assert "Noisy words." not in page and "Replying to the noise." not in page
    assert "Comments (1)" in page
    assert _client(reader).get(f"/comments/{noisy.pk}/").status_code == 404
    assert "Comments (3)" in _client().get(f"/works/{work.pk}/").content.decode()


# -------------------------------------------------------- paragraph comments


def test_paragraph_comments_are_grouped_under_their_paragraph(work: Work, reader: User) -> None:
    response = _post(_client(reader), work, "About the rain.", paragraph="2")
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.paragraph_id == "p2"
    assert comment.paragraph_snippet == "Second paragraph about the rain."
    page = _client().get(f"/works/{work.pk}/").content.decode()
    assert "Comments on paragraphs" in page
    assert f'href="/works/{work.pk}/chapters/1/#p2">the paragraph</a>' in page
    assert "<q>Second paragraph about the rain.</q>" in page
    assert 'data-paragraph="p2" data-count="1"' in page
    reply = _add(work, reader, "Same paragraph.", parent=comment)
    assert reply.paragraph_id == "p2"


def test_paragraph_comments_follow_their_paragraph_when_the_chapter_changes(
    work: Work, author: User, reader: User
) -> None:
    on_rain = _add(work, reader, "Rain!", paragraph=2)
    on_last = _add(work, reader, "The end!", paragraph=3)
    chapter = _chapter(work)
    update_chapter(
        author,
        chapter,
        ChapterInput(
            text="A new opening.\n\nFirst paragraph about the dome.\n\n"
            "Second paragraph about the rain.\n\nA rewritten ending.",
            text_format="text",
        ),
    )
    on_rain.refresh_from_db()
    on_last.refresh_from_db()
    assert on_rain.paragraph_id == "p3"
    assert on_last.paragraph_id == ""
    page = _client().get(f"/comments/{on_last.pk}/").content.decode()
    assert "no longer in the chapter" in page and "Third and last." in page


def test_reanchor_is_a_pure_function() -> None:
    html = '<p id="p1">One</p><p title="x" id="p2">Two <em>words</em></p><p>none</p>'
    assert paragraph_texts(html) == {"p1": "One", "p2": "Two words"}
    moves = reanchor({1: ("p1", "One"), 2: ("p2", "Gone"), 3: ("p2", "One")}, html)
    assert moves == {2: "", 3: "p1"}


def test_deleting_a_chapter_recounts_comments(author: User, reader: User) -> None:
    work = make_work(author)
    second = add_chapter(author, work, ChapterInput(text="Two.", text_format="text"))
    add_comment(work, second, CommentInput(text="On two.", nonce=_nonce()), user=reader)
    _add(work, reader, "On one.")
    assert _count(work) == 2
    delete_chapter(author, second)
    assert _count(work) == 1


def test_chapter_comments_page_through_long_threads(work: Work, reader: User) -> None:
    for n in range(35):
        _add(work, reader, f"Number {n}.")
    page = _client().get(f"/works/{work.pk}/").content.decode()
    assert "Number 0." in page and "Number 34." not in page
    assert "Comment page 1 of 2" in page
    second = _client().get(f"/works/{work.pk}/?comments_page=2").content.decode()
    assert "Number 34." in second
    assert "Number 0." in _client().get(f"/works/{work.pk}/?comments_page=x").content.decode()


# ------------------------------------------------------------- query counts


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_work_page_reads_comments_in_flat_queries(
    author: User, reader: User, stranger: User
) -> None:
    work = make_work(author, text=STORY)
    add_chapter(author, work, ChapterInput(text="Chapter two.", text_format="text"))
    client = _client(reader)
    url = f"/works/{work.pk}/full/"
    _add(work, stranger, "Warm up.")
    _queries(client, url)  # the first visit records a hit and reading history
    few = _queries(client, url)
    top = _add(work, stranger, "Top.", paragraph=1)
    for n in range(40):
        top = _add(work, stranger if n % 2 else author, f"Reply {n}.", parent=top)
    second = Chapter.objects.get(work=work, position=2)
    for n in range(10):
        add_comment(work, second, CommentInput(text=f"Two {n}", nonce=_nonce()), user=stranger)
    assert _queries(client, url) == few
    guest = _client()
    _queries(guest, url)
    assert _queries(guest, url) <= few


def test_whole_chapter_and_paragraph_comments_have_their_own_headings(
    work: Work, reader: User
) -> None:
    _add(work, reader, "On everything.")
    _add(work, reader, "On the rain.", paragraph=2)
    page = _client().get(f"/works/{work.pk}/").content.decode()
    whole = page.index("Comments on the whole work")
    paragraphs = page.index("Comments on paragraphs")
    assert whole < page.index("On everything.") < paragraphs < page.index("On the rain.")
    assert page.count("On the rain.") == 1, "a paragraph comment is not listed twice"


def test_each_paragraph_has_a_comment_link_beside_it_not_inside_it(work: Work) -> None:
    page = _client().get(f"/works/{work.pk}/").content.decode()
    chapter = _chapter(work)
    link = (
        f'<a class="paragraph-comment-link" href="/works/{work.pk}/comments/?chapter={chapter.pk}'
        '&amp;paragraph=2" data-paragraph="p2" aria-label="Comment on the paragraph '
        '“Second paragraph about the rain.”"></a><p id="p2">'
    )
    assert link in page
    assert page.count('class="paragraph-comment-link"') == 3
    # The paragraph itself is the stored text, with nothing added inside it.
    assert '<p id="p2">Second paragraph about the rain.</p>' in page
    # The chapter's form has no paragraph number to type.
    assert 'name="paragraph"' in page and 'type="hidden" name="paragraph"' in page
    assert ">Paragraph<" not in page


def test_the_paragraph_link_leads_to_a_form_naming_the_paragraph(work: Work, reader: User) -> None:
    chapter = _chapter(work)
    url = f"/works/{work.pk}/comments/?chapter={chapter.pk}&paragraph=2"
    page = _client(reader).get(url).content.decode()
    assert "the paragraph that begins" in page
    assert '<q class="paragraph-quote-text">Second paragraph about the rain.</q>' in page
    assert '<input type="hidden" name="paragraph" value="2"' in page
    response = _post(_client(reader), work, "About the rain.", paragraph="2")
    assert response.status_code == 302
    assert Comment.objects.get().paragraph_id == "p2"
    # A guest where guests may not comment is sent to log in; nonsense gives no error page.
    assert _client().get(url).status_code in (200, 302)
    for bad in ("abc", "9" * 40, "-1", "0"):
        answer = _client(reader).get(
            f"/works/{work.pk}/comments/?chapter={chapter.pk}&paragraph={bad}"
        )
        assert answer.status_code == 200
        assert "the paragraph that begins" not in answer.content.decode()


def test_the_form_page_after_an_error_still_names_the_paragraph(work: Work, reader: User) -> None:
    page = _post(_client(reader), work, "", paragraph="3").content.decode()
    assert "Comment is empty" in page
    assert '<q class="paragraph-quote-text">Third and last.</q>' in page


def test_a_work_without_comments_has_no_paragraph_links(author: User) -> None:
    closed = make_work(author, text=STORY, comment_permission="nobody")
    page = _client().get(f"/works/{closed.pk}/").content.decode()
    assert "paragraph-comment-link" not in page
    assert "Comments are turned off" in page


def test_hostile_input_in_the_paragraph_form_page_never_errors(work: Work, reader: User) -> None:
    client = _client(reader)
    chapter = _chapter(work)
    for value in _corpus()[:300]:
        value = value.replace("\x00", "")
        queries: list[dict[str, str]] = [
            {"chapter": str(chapter.pk), "paragraph": value},
            {"chapter": value},
        ]
        for query in queries:
            response = client.get(f"/works/{work.pk}/comments/", query)
            assert response.status_code in (200, 404), (value, response.status_code)
        response = _post(client, work, "Fine words.", paragraph=value)
        assert response.status_code in (200, 302, 400), (value, response.status_code)
