"""Kudos: one per reader per work (database constraints), guests per browser and address,
creators and blocked readers refused, the list on the work page, JSON for the script."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.blocking.actions import block_user
from ficarchive.kudos.actions import guest_key, leave_kudos
from ficarchive.kudos.models import Kudos
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, make_work
from tests.htmlcheck import assert_nothing_executable


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _count(work: Work) -> int:
    work.refresh_from_db()
    assert work.kudos_count == Kudos.objects.filter(work=work).count()
    return work.kudos_count


def test_it_counts_one_reader_once_and_two_readers_twice(
    author: User, reader: User, stranger: User
) -> None:
    work = make_work(author)
    assert leave_kudos(work, user=reader) is True
    assert leave_kudos(work, user=reader) is False
    assert leave_kudos(work, user=stranger) is True
    assert _count(work) == 2


def test_the_database_refuses_a_second_row_for_the_same_reader(author: User, reader: User) -> None:
    work = make_work(author)
    Kudos.objects.create(work=work, user=reader)
    with pytest.raises(IntegrityError), transaction.atomic():
        Kudos.objects.create(work=work, user=reader)


def test_the_database_refuses_a_second_row_for_the_same_guest(author: User) -> None:
    work = make_work(author)
    key = guest_key("browser-one-0123456789", "10.0.0.1")
    Kudos.objects.create(work=work, guest_key=key)
    with pytest.raises(IntegrityError), transaction.atomic():
        Kudos.objects.create(work=work, guest_key=key)
    with pytest.raises(IntegrityError), transaction.atomic():
        Kudos.objects.create(work=work)  # neither a user nor a guest


def test_guests_leave_kudos_once_per_browser_and_address(author: User) -> None:
    work = make_work(author)
    one = guest_key("browser-one-0123456789", "10.0.0.1")
    assert leave_kudos(work, user=None, guest=one) is True
    assert leave_kudos(work, user=None, guest=one) is False
    assert leave_kudos(work, user=None, guest=guest_key("browser-two-012345678", "10.0.0.1"))
    assert _count(work) == 2


def test_creators_can_turn_guest_kudos_off(author: User, reader: User) -> None:
    work = make_work(author, allow_guest_kudos=False)
    with pytest.raises(ValidationError, match="members only"):
        leave_kudos(work, user=None, guest=guest_key("b" * 20, "10.0.0.1"))
    assert leave_kudos(work, user=reader)
    response = _client().post(f"/works/{work.pk}/kudos/")
    assert response.status_code == 302
    assert _count(work) == 1
    page = _client().get(f"/works/{work.pk}/").content.decode()
    assert "to leave kudos" in page
    assert f'action="/works/{work.pk}/kudos/"' not in page


def test_it_refuses_kudos_on_your_own_work(author: User) -> None:
    work = make_work(author)
    with pytest.raises(ValidationError, match="your own work"):
        leave_kudos(work, user=author)
    response = _client(author).post(f"/works/{work.pk}/kudos/", follow=True)
    assert "your own work" in response.content.decode()
    assert _count(work) == 0


def test_blocked_readers_cannot_leave_kudos(author: User, reader: User) -> None:
    work = make_work(author)
    block_user(author, reader)
    with pytest.raises(PermissionDenied):
        leave_kudos(work, user=reader)
    response = _client(reader).post(f"/works/{work.pk}/kudos/")
    assert response.status_code == 403
    assert "blocked you" in response.content.decode()
    assert _count(work) == 0


def test_the_form_posts_and_comes_back_with_a_message(author: User, reader: User) -> None:
    work = make_work(author)
    client = _client(reader)
    response = client.post(f"/works/{work.pk}/kudos/", follow=True)
    assert response.redirect_chain[-1][0] == f"/works/{work.pk}/#kudos"
    page = response.content.decode()
    assert "Thank you for leaving kudos!" in page
    assert "Kudos: 1" in page
    assert "reader" in page
    again = client.post(f"/works/{work.pk}/kudos/", follow=True).content.decode()
    assert "You already left kudos" in again
    assert _count(work) == 1


def test_guests_get_a_cookie_and_count_once(author: User) -> None:
    work = make_work(author)
    guest = _client()
    guest.post(f"/works/{work.pk}/kudos/")
    assert guest.cookies["guest_id"].value
    guest.post(f"/works/{work.pk}/kudos/")
    _client().post(f"/works/{work.pk}/kudos/")  # another browser
    assert _count(work) == 2
    page = _client().get(f"/works/{work.pk}/").content.decode()
    assert "2 guests left kudos on this work." in page


def test_the_script_gets_json_with_the_new_list(author: User, reader: User) -> None:
    work = make_work(author)
    response = _client(reader).post(
        f"/works/{work.pk}/kudos/", headers={"accept": "application/json"}
    )
    data = response.json()
    assert data["count"] == 1
    assert "reader" in data["html"]
    assert data["message"] == "Thank you for leaving kudos!"
    refused = _client(author).post(
        f"/works/{work.pk}/kudos/", headers={"accept": "application/json"}
    )
    assert refused.status_code == 400
    assert "own work" in refused.json()["message"]


def test_kudos_need_a_readable_work(author: User, reader: User) -> None:
    draft = make_work(author, draft=True)
    assert _client(reader).post(f"/works/{draft.pk}/kudos/").status_code == 404
    restricted = make_work(author, "Members", restricted=True)
    response = _client().post(f"/works/{restricted.pk}/kudos/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert _client(reader).get(f"/works/{draft.pk}/kudos/").status_code == 405
    assert _count(draft) == 0


def test_hostile_guest_cookies_are_replaced(author: User) -> None:
    work = make_work(author)
    client = _client()
    client.cookies["guest_id"] = "<script>alert(1)</script>\x00" * 50
    assert client.post(f"/works/{work.pk}/kudos/").status_code == 302
    assert "<" not in client.cookies["guest_id"].value
    assert _count(work) == 1


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_kudos_list_is_escaped_and_costs_flat_queries(author: User) -> None:
    work = make_work(author)
    url = f"/works/{work.pk}/"
    client = _client()
    leave_kudos(work, user=sign_up("fan_first", "fan_first@example.org", PASSWORD))
    _queries(client, url)  # the first visit records a hit
    one = _queries(client, url)
    for index in range(60):
        user = sign_up(f"fan{index}", f"fan{index}@example.org", PASSWORD)
        leave_kudos(work, user=user)
    assert _queries(client, url) == one
    page = client.get(url).content.decode()
    assert "Kudos: 61" in page
    assert "fan48" in page and "fan49" not in page  # the first 50 names
    assert "11 more users left kudos on this work." in page
    assert_nothing_executable(page, page=True)
