"""Moderation: reports, the staff queue, hiding works, deleting comments, suspensions and bans,
the log, the honeypot and the spam rule for link-heavy comments."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.blocking.actions import block_user
from ficarchive.comments.actions import CommentInput, add_comment
from ficarchive.comments.models import Comment
from ficarchive.moderation import actions
from ficarchive.moderation.honeypot import HONEYPOT_MESSAGE
from ficarchive.moderation.models import ModerationLog, Report, Sanction
from ficarchive.moderation.sanctions import check_active
from ficarchive.moderation.spam import REVIEW_REASON, count_links, is_link_heavy, needs_review
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, client_for, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db: None) -> User:
    user = sign_up("modder", "modder@example.org", PASSWORD)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def tomorrow() -> str:
    return (timezone.now().astimezone(UTC).date() + timedelta(days=1)).isoformat()


def post_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Rain over Ganymede",
        "rating": "teen",
        "warnings": ["No Archive Warnings Apply"],
        "comment_permission": "anyone",
        "fandoms": "The Long Dark Between",
        "text_format": "text",
        "language": "en",
        "chapter_title": "",
        "text": "Mira had worked the night shift.\n\nIt had never rained.",
        "intent": "post",
    }
    data.update(changes)
    return data


def make_comment(work: Work, user: User, text: str = "Lovely rain.") -> Comment:
    chapter = work.chapters.get(position=1)
    comment, _created = add_comment(
        work, chapter, CommentInput(text=text, nonce=uuid.uuid4().hex), user=user
    )
    return comment


# Reporting a work


def test_it_lets_a_reader_report_a_work(author: User, reader: User) -> None:
    work = make_work(author)
    client = client_for(reader)
    page = client.get(f"/report/work/{work.pk}/")
    assert page.status_code == 200
    assert b"Dome Weather" in page.content
    assert b"Your email" not in page.content
    response = client.post(
        f"/report/work/{work.pk}/", {"reason": "copyright", "details": "Copied from my fic."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/works/{work.pk}/"
    report = Report.objects.get()
    assert (report.reporter, report.target_type, report.target_id) == (reader, "work", work.pk)
    assert report.reason == "copyright"
    assert report.details == "Copied from my fic."
    assert report.status == "open"
    assert "Dome Weather" in report.target_label
    assert "your report was sent" in client.get(f"/works/{work.pk}/").content.decode()


def test_the_work_page_links_to_the_report_form(author: User, reader: User) -> None:
    work = make_work(author)
    assert (
        f'href="/report/work/{work.pk}/"'
        in client_for(reader).get(f"/works/{work.pk}/").content.decode()
    )
    assert (
        f'href="/report/work/{work.pk}/"'
        in client_for(None).get(f"/works/{work.pk}/").content.decode()
    )
    # Not to its creator, who cannot report their own work.
    assert (
        f"/report/work/{work.pk}/"
        not in client_for(author).get(f"/works/{work.pk}/").content.decode()
    )


def test_a_guest_reports_with_an_email(author: User) -> None:
    work = make_work(author)
    client = client_for(None)
    missing = client.post(f"/report/work/{work.pk}/", {"reason": "spam"})
    assert missing.status_code == 400
    assert b"Your email" in missing.content
    assert not Report.objects.exists()
    done = client.post(f"/report/work/{work.pk}/", {"reason": "spam", "email": "guest@example.org"})
    assert done.status_code == 302
    report = Report.objects.get()
    assert report.reporter is None
    assert report.email == "guest@example.org"
    assert report.address == "127.0.0.1"


def test_it_refuses_reports_of_works_the_reporter_cannot_see(
    author: User, reader: User, stranger: User
) -> None:
    draft = make_work(author, "Secret Draft", draft=True)
    members = make_work(author, "Members Only", restricted=True)
    hidden = make_work(author, "Hidden Work")
    Work.objects.filter(pk=hidden.pk).update(hidden=True)
    assert client_for(reader).get(f"/report/work/{draft.pk}/").status_code == 404
    assert client_for(None).get(f"/report/work/{members.pk}/").status_code == 404
    assert (
        client_for(stranger).post(f"/report/work/{hidden.pk}/", {"reason": "spam"}).status_code
        == 404
    )
    assert client_for(reader).get("/report/work/999999/").status_code == 404
    assert client_for(reader).get(f"/report/work/{'9' * 40}/").status_code == 404
    assert client_for(reader).get(f"/report/work/{members.pk}/").status_code == 200
    assert not Report.objects.exists()


def test_an_author_cannot_report_their_own_work(author: User) -> None:
    work = make_work(author)
    response = client_for(author).post(f"/report/work/{work.pk}/", {"reason": "spam"})
    assert response.status_code == 403
    assert b"cannot report yourself" in response.content
    assert not Report.objects.exists()


def test_a_double_submit_makes_one_open_report(author: User, reader: User) -> None:
    work = make_work(author)
    client = client_for(reader)
    for _ in range(3):
        assert client.post(f"/report/work/{work.pk}/", {"reason": "spam"}).status_code == 302
    assert Report.objects.count() == 1
    assert "reported this already" in client.get(f"/works/{work.pk}/").content.decode()
    # The database holds the rule too, not just the view.
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(reporter=reader, target_type="work", target_id=work.pk, reason="spam")
    # Once a moderator closed it, the reader may report again.
    Report.objects.update(status="dismissed")
    assert client.post(f"/report/work/{work.pk}/", {"reason": "spam"}).status_code == 302
    assert Report.objects.filter(status="open").count() == 1


def test_it_validates_the_reason_and_details(author: User, reader: User) -> None:
    work = make_work(author)
    client = client_for(reader)
    for data in (
        {"reason": "not-a-reason"},
        {"reason": ""},
        {"reason": "other", "details": "   "},
        {"reason": "spam", "details": "x" * 2001},
    ):
        response = client.post(f"/report/work/{work.pk}/", data)
        assert response.status_code == 400, data
        assert b"form-errors" in response.content
    assert (
        b"Say what is wrong" in client.post(f"/report/work/{work.pk}/", {"reason": "other"}).content
    )
    assert client.post(f"/report/work/{work.pk}/", {"reason": "x\x00"}).status_code == 400
    assert not Report.objects.exists()
    # Repeated fields: the last value counts, as everywhere in Django.
    repeated = {"reason": ["spam", "other"], "details": ["a", "b"]}
    assert client.post(f"/report/work/{work.pk}/", repeated).status_code == 302
    assert Report.objects.get().details == "b"


def test_hostile_details_and_reasons_never_break_the_queue(
    author: User, reader: User, moderator: User
) -> None:
    work = make_work(author)
    guest = client_for(None)
    statuses: dict[int, int] = {}
    for payload in hostile_corpus()[::4]:
        response = guest.post(
            f"/report/work/{work.pk}/",
            {"reason": "other", "details": payload, "email": "guest@example.org"},
        )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code in (302, 400), (payload, response.status_code)
        hostile_reason = client_for(reader).post(
            f"/report/work/{work.pk}/", {"reason": payload[:200]}
        )
        assert hostile_reason.status_code == 400
    assert statuses.get(302, 0) > 0.9 * sum(statuses.values()), statuses
    client = client_for(moderator)
    for number in (1, 2, 3, 10_000, "x<script>"):
        page = client.get(f"/moderation/?page={number}")
        assert page.status_code == 200
        assert_nothing_executable(page.content.decode(), page=True)
    assert_nothing_executable(
        client.get(f"/moderation/works/{work.pk}/").content.decode(), page=True
    )
    for report in Report.objects.all():
        assert "\x00" not in report.details


# Reporting comments and users


def test_it_reports_a_comment(author: User, reader: User, stranger: User) -> None:
    work = make_work(author)
    comment = make_comment(work, reader)
    link = client_for(stranger).get(f"/works/{work.pk}/").content.decode()
    response = client_for(stranger).post(
        f"/report/comment/{comment.pk}/", {"reason": "harassment", "details": "Rude."}
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.target_type, report.target_id) == ("comment", comment.pk)
    assert "reader" in report.target_label
    # The commenter cannot report their own comment; nobody reports what they cannot see.
    assert (
        client_for(reader).post(f"/report/comment/{comment.pk}/", {"reason": "spam"}).status_code
        == 403
    )
    assert client_for(stranger).get("/report/comment/987654/").status_code == 404
    Comment.objects.filter(pk=comment.pk).update(status="pending")
    assert client_for(stranger).get(f"/report/comment/{comment.pk}/").status_code == 404
    assert link  # the work page rendered with its comments


def test_the_comment_report_partial_links_to_the_form(reader: User, author: User) -> None:
    from django.template.loader import render_to_string

    comment = make_comment(make_work(author), reader)
    html = render_to_string("moderation/_report_comment_link.html", {"comment": comment})
    assert f'href="/report/comment/{comment.pk}/"' in html


def test_it_reports_a_user(author: User, reader: User) -> None:
    page = client_for(reader).get("/users/author/").content.decode()
    assert 'href="/report/user/author/"' in page
    assert "/report/user/author/" not in client_for(author).get("/users/author/").content.decode()
    response = client_for(reader).post("/report/user/AUTHOR/", {"reason": "harassment"})
    assert response.status_code == 302
    assert response["Location"] == "/users/author/"
    report = Report.objects.get()
    assert (report.target_type, report.target_id) == ("user", author.pk)
    assert client_for(author).post("/report/user/author/", {"reason": "spam"}).status_code == 403
    assert client_for(reader).get("/report/user/nobody_here/").status_code == 404
    assert client_for(reader).get("/report/user/" + "%00" * 3 + "/").status_code in (400, 404)
    User.objects.filter(pk=author.pk).update(is_active=False)
    assert client_for(reader).get("/report/user/author/").status_code == 404


def test_a_blocked_user_can_still_report_the_blocker(author: User, stranger: User) -> None:
    work = make_work(author)
    block_user(author, stranger)
    assert (
        client_for(stranger).post("/report/user/author/", {"reason": "harassment"}).status_code
        == 302
    )
    assert (
        client_for(stranger).post(f"/report/work/{work.pk}/", {"reason": "spam"}).status_code == 302
    )
    assert Report.objects.filter(reporter=stranger).count() == 2


# The queue and who may see it


MODERATION_GETS = [
    "/moderation/",
    "/moderation/log/",
    "/moderation/works/{work}/",
    "/moderation/users/author/",
]
MODERATION_POSTS = [
    ("/moderation/works/{work}/", {"intent": "hide"}),
    ("/moderation/comments/{comment}/", {"reason": "x"}),
    ("/moderation/users/author/", {"intent": "ban", "ban-reason": "x"}),
    ("/moderation/users/author/", {"intent": "suspend", "suspend-until": "2099-01-01"}),
    ("/moderation/reports/{report}/", {"status": "dismissed"}),
]


def test_only_moderators_reach_the_moderation_pages(
    author: User, reader: User, stranger: User, moderator: User
) -> None:
    work = make_work(author)
    comment = make_comment(work, reader)
    report, _ = actions.file_report(reader, target_type="work", target=work, reason="spam")
    ids = {"work": work.pk, "comment": comment.pk, "report": report.pk}
    for url in MODERATION_GETS:
        url = url.format(**ids)
        guest = client_for(None).get(url)
        assert guest.status_code == 302 and guest["Location"].startswith("/login/"), url
        for user in (author, reader, stranger):
            assert client_for(user).get(url).status_code == 403, (url, user)
        assert client_for(moderator).get(url).status_code == 200, url
    for url, data in MODERATION_POSTS:
        url = url.format(**ids)
        assert client_for(None).post(url, data).status_code == 302
        for user in (author, reader, stranger):
            assert client_for(user).post(url, data).status_code == 403, (url, user)
    work.refresh_from_db()
    author.refresh_from_db()
    report.refresh_from_db()
    comment.refresh_from_db()
    assert not work.hidden and author.is_active and report.status == "open"
    assert comment.status == "published"
    assert not Sanction.objects.exists() and not ModerationLog.objects.exists()
    # The header links the queue for moderators only.
    assert 'href="/moderation/"' in client_for(moderator).get("/").content.decode()
    assert 'href="/moderation/"' not in client_for(reader).get("/").content.decode()


def test_the_queue_lists_open_reports_newest_first_with_previews(
    author: User, reader: User, stranger: User, moderator: User
) -> None:
    work = make_work(author, "Stolen Words", summary="A summary of theft.")
    comment = make_comment(work, reader, "Buy cheap watches")
    actions.file_report(reader, target_type="work", target=work, reason="copyright")
    actions.file_report(stranger, target_type="comment", target=comment, reason="spam")
    actions.file_report(stranger, target_type="user", target=author, reason="harassment")
    page = client_for(moderator).get("/moderation/").content.decode()
    assert page.index("User author") < page.index("Comment #") < page.index("Stolen Words")
    assert "A summary of theft." in page
    assert "Buy cheap watches" in page
    assert "Hide work" in page and "Delete comment" in page and "Suspend or ban author" in page
    assert (
        "No resolved reports."
        in client_for(moderator).get("/moderation/?status=resolved").content.decode()
    )
    assert client_for(moderator).get("/moderation/?status=<x>").status_code == 200


def test_the_queue_takes_a_fixed_number_of_queries(
    author: User, moderator: User, django_assert_max_num_queries: object
) -> None:
    works = [make_work(author, f"Work {n}") for n in range(5)]
    reporters = [sign_up(f"reporter{n}", f"r{n}@example.org", PASSWORD) for n in range(6)]
    for reporter in reporters:
        for work in works:
            actions.file_report(reporter, target_type="work", target=work, reason="spam")
        actions.file_report(reporter, target_type="user", target=author, reason="spam")
    client = client_for(moderator)
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        assert client.get("/moderation/").status_code == 200
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        assert client.get("/moderation/?page=2").status_code == 200


# Actions


def test_hiding_a_work_hides_it_from_everyone_but_its_creators(
    author: User, reader: User, moderator: User
) -> None:
    work = make_work(author, "Vanishing Act")
    actions.file_report(reader, target_type="work", target=work, reason="spam")
    response = client_for(moderator).post(
        f"/moderation/works/{work.pk}/",
        {"intent": "hide", "reason": "Spam links", "next": "/moderation/"},
    )
    assert response.status_code == 302 and response["Location"] == "/moderation/"
    work.refresh_from_db()
    assert work.hidden
    for client in (client_for(reader), client_for(None)):
        assert client.get(f"/works/{work.pk}/").status_code == 404
        assert b"Vanishing Act" not in client.get("/works/").content
        assert b"Vanishing Act" not in client.get("/").content
        assert b"Vanishing Act" not in client.get("/users/author/").content
    assert client_for(author).get(f"/works/{work.pk}/").status_code == 200
    assert Report.objects.get().status == "resolved"
    entry = ModerationLog.objects.get()
    assert (entry.moderator, entry.action, entry.reason) == (moderator, "hide work", "Spam links")
    assert "Vanishing Act" in entry.target
    # And back again.
    client_for(moderator).post(f"/moderation/works/{work.pk}/", {"intent": "unhide"})
    assert client_for(reader).get(f"/works/{work.pk}/").status_code == 200
    assert list(ModerationLog.objects.values_list("action", flat=True)) == [
        "unhide work",
        "hide work",
    ]
    assert (
        client_for(moderator)
        .post(f"/moderation/works/{work.pk}/", {"intent": "explode"})
        .status_code
        == 302
    )
    assert ModerationLog.objects.count() == 2


def test_a_moderator_deletes_a_comment(author: User, reader: User, moderator: User) -> None:
    work = make_work(author)
    comment = make_comment(work, reader, "Spammy spam")
    actions.file_report(author, target_type="comment", target=comment, reason="spam")
    response = client_for(moderator).post(f"/moderation/comments/{comment.pk}/", {"reason": "spam"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == "deleted"
    assert Report.objects.get().status == "resolved"
    assert ModerationLog.objects.get().action == "delete comment"
    assert client_for(moderator).post("/moderation/comments/424242/").status_code == 404
    assert client_for(moderator).get(f"/moderation/comments/{comment.pk}/").status_code == 405


def test_a_suspended_user_cannot_post_until_the_date(
    author: User, reader: User, moderator: User
) -> None:
    actions.file_report(reader, target_type="user", target=author, reason="harassment")
    response = client_for(moderator).post(
        "/moderation/users/author/",
        {"intent": "suspend", "suspend-until": tomorrow(), "suspend-reason": "Harassment"},
    )
    assert response.status_code == 302
    sanction = Sanction.objects.get()
    assert (sanction.user, sanction.kind, sanction.by) == (author, "suspend", moderator)
    assert sanction.until is not None and sanction.until > timezone.now()
    assert Report.objects.get().status == "resolved"
    assert ModerationLog.objects.get().action == "suspend user"
    client = client_for(author)
    refused = client.post("/works/new/", post_form())
    assert refused.status_code == 403
    assert "Your account is suspended until" in refused.content.decode()
    assert not Work.objects.exists()
    with pytest.raises(PermissionDenied, match="suspended"):
        check_active(author)
    # Reading still works, and a preview is not a post.
    assert client.get("/works/").status_code == 200
    assert client.post("/works/new/", post_form(intent="preview")).status_code == 200
    # Lifting ends it.
    client_for(moderator).post(
        "/moderation/users/author/", {"intent": "lift", "sanction": sanction.pk}
    )
    assert client.post("/works/new/", post_form()).status_code == 302
    assert ModerationLog.objects.filter(action="lift suspension").exists()


def test_a_suspension_ends_by_itself(author: User, moderator: User) -> None:
    sanction = actions.suspend_user(
        moderator, author, timezone.now() + timedelta(days=1), "Cool off"
    )
    Sanction.objects.filter(pk=sanction.pk).update(until=timezone.now() - timedelta(seconds=1))
    check_active(author)
    assert client_for(author).post("/works/new/", post_form()).status_code == 302


def test_a_suspension_needs_a_future_day_and_a_reason(author: User, moderator: User) -> None:
    client = client_for(moderator)
    today = timezone.now().astimezone(UTC).date().isoformat()
    for data in (
        {"intent": "suspend", "suspend-until": today, "suspend-reason": "x"},
        {"intent": "suspend", "suspend-until": "2999-01-01", "suspend-reason": "x"},
        {"intent": "suspend", "suspend-until": "not a date", "suspend-reason": "x"},
        {"intent": "suspend", "suspend-until": tomorrow(), "suspend-reason": ""},
        {"intent": "whatever"},
        {"intent": "lift", "sanction": "9" * 30},
    ):
        response = client.post("/moderation/users/author/", data)
        assert response.status_code in (400, 404), data
    assert not Sanction.objects.exists()
    assert not ModerationLog.objects.exists()
    with pytest.raises(ValidationError):
        actions.suspend_user(moderator, moderator, timezone.now() + timedelta(days=1), "x")
    with pytest.raises(PermissionDenied):
        actions.suspend_user(author, moderator, timezone.now() + timedelta(days=1), "x")


def test_a_ban_stops_log_in_and_posting(author: User, moderator: User) -> None:
    session = client_for(author)
    assert session.get("/works/new/").status_code == 200
    response = client_for(moderator).post(
        "/moderation/users/author/", {"intent": "ban", "ban-reason": "Spam account"}
    )
    assert response.status_code == 302
    author.refresh_from_db()
    assert not author.is_active
    assert Sanction.objects.get().kind == "ban"
    assert ModerationLog.objects.get().action == "ban user"
    # The old session is logged out; a new log-in fails.
    assert session.get("/works/new/").status_code == 302
    login = Client().post("/login/", {"username": "author", "password": PASSWORD})
    assert login.status_code == 200
    assert "_auth_user_id" not in login.client.session
    with pytest.raises(PermissionDenied, match="banned"):
        check_active(author)
    # The moderator's panel still finds the account; lifting the ban lets it log in.
    page = client_for(moderator).get("/moderation/users/author/")
    assert b"cannot log in" in page.content
    sanction = Sanction.objects.get()
    client_for(moderator).post(
        "/moderation/users/author/", {"intent": "lift", "sanction": sanction.pk}
    )
    author.refresh_from_db()
    assert author.is_active
    assert Client().login(username="author", password=PASSWORD)


def test_moderators_cannot_ban_themselves(moderator: User) -> None:
    response = client_for(moderator).post(
        "/moderation/users/modder/", {"intent": "ban", "ban-reason": "oops"}
    )
    assert response.status_code == 400
    assert b"cannot ban yourself" in response.content
    moderator.refresh_from_db()
    assert moderator.is_active


def test_reports_are_resolved_or_dismissed_and_logged(
    author: User, reader: User, moderator: User
) -> None:
    work = make_work(author)
    first, _ = actions.file_report(reader, target_type="work", target=work, reason="spam")
    second, _ = actions.file_report(reader, target_type="user", target=author, reason="spam")
    client = client_for(moderator)
    client.post(f"/moderation/reports/{first.pk}/", {"status": "resolved", "reason": "Talked"})
    client.post(f"/moderation/reports/{second.pk}/", {"status": "dismissed"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.handled_by) == ("resolved", moderator)
    assert first.handled_at is not None
    assert second.status == "dismissed"
    assert sorted(ModerationLog.objects.values_list("action", flat=True)) == [
        "dismiss report",
        "resolve report",
    ]
    # Closing twice, or to a made-up status, changes nothing.
    again = client.post(f"/moderation/reports/{first.pk}/", {"status": "dismissed"}, follow=True)
    assert b"closed already" in again.content
    client.post(f"/moderation/reports/{second.pk}/", {"status": "open"})
    assert ModerationLog.objects.count() == 2
    assert client.post("/moderation/reports/777/", {"status": "resolved"}).status_code == 404
    log = client.get("/moderation/log/").content.decode()
    assert "resolve report" in log and "Talked" in log and "modder" in log


def test_the_next_parameter_never_leaves_the_site(author: User, moderator: User) -> None:
    work = make_work(author)
    response = client_for(moderator).post(
        f"/moderation/works/{work.pk}/", {"intent": "hide", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/moderation/"


def test_the_admin_site_lists_the_moderation_tables(author: User, reader: User) -> None:
    admin = User.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    work = make_work(author)
    report, _ = actions.file_report(reader, target_type="work", target=work, reason="spam")
    client = client_for(admin)
    for model in ("report", "sanction", "moderationlog", "rateevent"):
        assert client.get(f"/admin/moderation/{model}/").status_code == 200, model
    assert client.get(f"/admin/moderation/report/{report.pk}/change/").status_code == 200


def test_moderators_read_the_moderation_tables_in_the_admin(
    author: User, reader: User, moderator: User
) -> None:
    work = make_work(author)
    report, _ = actions.file_report(reader, target_type="work", target=work, reason="spam")
    client = client_for(moderator)
    assert b"/admin/moderation/report/" in client.get("/admin/").content
    for model in ("report", "sanction", "moderationlog", "rateevent"):
        assert client.get(f"/admin/moderation/{model}/").status_code == 200, model
    # Reading, not changing, without a grant.
    page = client.get(f"/admin/moderation/report/{report.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client_for(reader).get("/admin/moderation/report/").status_code == 302


# Honeypot


def test_the_honeypot_field_is_hidden_but_present(author: User) -> None:
    page = client_for(author).get("/works/new/").content.decode()
    field = re.search(r"<input[^>]*name=\"website\"[^>]*>", page)
    assert field is not None
    assert 'tabindex="-1"' in field.group(0) and 'autocomplete="off"' in field.group(0)
    assert 'class="hp-field" aria-hidden="true"' in page
    assert "/static/moderation/moderation.css" in page
    assert_nothing_executable(page, page=True)


def test_a_filled_honeypot_makes_the_form_fail(author: User, reader: User) -> None:
    response = client_for(author).post("/works/new/", post_form(website="http://spam.example"))
    assert response.status_code == 200
    assert HONEYPOT_MESSAGE in response.content.decode()
    assert not Work.objects.exists()
    work = make_work(author)
    report = client_for(reader).post(f"/report/work/{work.pk}/", {"reason": "spam", "website": "x"})
    assert report.status_code == 400
    assert HONEYPOT_MESSAGE in report.content.decode()
    assert not Report.objects.exists()


# Spam: link-heavy comments from new accounts wait for a moderator


def test_it_counts_links() -> None:
    assert count_links("no links here") == 0
    assert count_links("http://a.example https://b.example www.c.example") == 3
    assert count_links('<a href="/relative">x</a> <a href="https://y.example">y</a>') == 2
    assert count_links("HTTPS://SHOUT.EXAMPLE &#104;ttp://hidden.example") == 2
    assert count_links("<a name='anchor'>no href</a>") == 0
    assert count_links("<a href=" * 50_000) == 0


def test_it_flags_link_heavy_text_from_new_accounts_only() -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)
    links = "see http://a.example http://b.example http://c.example"
    assert is_link_heavy(links, joined=None, now=now)
    assert is_link_heavy(links, joined=now - timedelta(days=2), now=now)
    assert not is_link_heavy(links, joined=now - timedelta(days=30), now=now)
    assert not is_link_heavy("http://a.example http://b.example", joined=None, now=now)
    assert is_link_heavy("http://a.example http://b.example", joined=None, now=now, max_links=1)


def test_needs_review_for_guests_and_new_accounts(reader: User, moderator: User) -> None:
    links = "cheap http://a.example http://b.example http://c.example"
    assert needs_review(user=None, text=links) == REVIEW_REASON
    assert needs_review(user=reader, text=links) == REVIEW_REASON
    assert needs_review(user=reader, text="Lovely chapter!") is None
    assert needs_review(user=moderator, text=links) is None
    User.objects.filter(pk=reader.pk).update(date_joined=timezone.now() - timedelta(days=60))
    reader.refresh_from_db()
    assert needs_review(user=reader, text=links) is None
