"""Requests sent at the same moment against a live server: a limit of N lets exactly N through.

Rate limits are counted in the database across processes; counting and recording used to be two
steps, so 20-40 simultaneous comments against a limit of 10 per minute were accepted 11-14 times
(issue 11). These tests fire the requests from threads at once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser.conftest import LiveServer
from tests.live.conftest import Visitor

pytestmark = pytest.mark.live


def _make_member_and_work(server: LiveServer, prefix: str) -> tuple[str, int, int]:
    """Create a member and a posted work of another member on the server; return the member's
    name, the work's id and its chapter's id."""
    name = f"{prefix}_{secrets.token_hex(3)}"
    printed = server.shell(
        "from ficarchive.accounts.actions import sign_up\n"
        "from ficarchive.works.actions import ChapterInput, WorkInput, post_work\n"
        f"sign_up({name!r}, '{name}@example.org', 'correct horse battery staple 42')\n"
        f"writer = sign_up('w{name}', 'w{name}@example.org', 'correct horse battery staple 42')\n"
        "work = post_work(writer, WorkInput(title='Race Track', fandoms=['Original Work'],"
        " warnings=['No Archive Warnings Apply'], rating='general',"
        " text_format='text'), ChapterInput(text='Round and round.', text_format='text'))\n"
        "print(work.pk, work.chapters.get().pk)\n"
    )
    work_id, chapter_id = printed.strip().splitlines()[-1].split()
    return name, int(work_id), int(chapter_id)


def _fire_at_once(count: int, send: object) -> list[int]:
    """Call send() from `count` threads released together; return the statuses."""
    barrier = threading.Barrier(count)

    def one(_: int) -> int:
        barrier.wait()
        return send()  # type: ignore[operator,no-any-return]

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def test_it_lets_exactly_the_limit_of_simultaneous_comments_through(
    running_archive: LiveServer,
) -> None:
    name, work_id, chapter_id = _make_member_and_work(running_archive, "racer")
    visitor = Visitor(running_archive.url)
    visitor.log_in(name)
    token = visitor.csrf_token(f"/works/{work_id}/")

    def comment() -> int:
        status, _, _ = visitor.request(
            "POST",
            f"/works/{work_id}/comments/",
            {
                "csrfmiddlewaretoken": token,
                "chapter": str(chapter_id),
                "text": f"Lap {secrets.token_hex(4)}",
                "nonce": secrets.token_hex(16),
            },
        )
        return status

    statuses = _fire_at_once(30, comment)
    limit = 10  # comments per account per minute (moderation/limits.py)
    assert sorted(set(statuses)) == [302, 429], statuses
    assert statuses.count(302) == limit, statuses
    saved = running_archive.shell(
        "from ficarchive.comments.models import Comment\n"
        f"print(Comment.objects.filter(user__username={name!r}).count())\n"
    )
    assert int(saved.strip().splitlines()[-1]) == limit


def test_it_checks_exactly_the_allowed_number_of_simultaneous_wrong_passwords(
    running_archive: LiveServer,
) -> None:
    """16 wrong passwords for one account at once, against a limit of 5 per account and
    address: exactly 5 are checked (each answered with the form again), 11 are refused with
    429 before any password hash runs. The check, then the slow hash, then the record used
    to let 14 through."""
    name, _, _ = _make_member_and_work(running_archive, "guesser")

    def guess() -> int:
        visitor = Visitor(running_archive.url)
        token = visitor.csrf_token("/login/")
        status, _, _ = visitor.request(
            "POST",
            "/login/",
            {"csrfmiddlewaretoken": token, "username": name, "password": "not the password"},
        )
        return status

    statuses = _fire_at_once(16, guess)
    limit = 5  # FICARCHIVE_LOGIN_THROTTLE_PER_ACCOUNT's default
    assert statuses.count(200) == limit, statuses
    assert statuses.count(429) == 16 - limit, statuses
    recorded = running_archive.shell(
        "from ficarchive.accounts.models import LoginFailure\n"
        f"print(LoginFailure.objects.filter(username={name.lower()!r}).count())\n"
    )
    assert int(recorded.strip().splitlines()[-1]) == limit
