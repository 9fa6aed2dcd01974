"""Posting forms post once however often they are sent: a double click or a browser resending
the form after a timeout leads to what the first submit made."""

from __future__ import annotations

import re

from django.test import Client

from ficarchive.accounts.models import User
from ficarchive.core.models import FormSubmission
from ficarchive.works.models import Chapter, Work
from tests.conftest import client_for, make_work

TOKEN = re.compile(r'name="submission" value="([^"]+)"')


def _token(client: Client, url: str) -> str:
    match = TOKEN.search(client.get(url).content.decode())
    assert match, "the form carries no submission token"
    return match.group(1)


def _work_form(token: str, title: str = "Sent Twice") -> dict[str, str]:
    return {
        "title": title,
        "rating": "general",
        "warnings": "No Archive Warnings Apply",
        "fandoms": "Cowboy Bebop",
        "text_format": "text",
        "text": "Only once.",
        "language": "en",
        "comment_permission": "anyone",
        "intent": "post",
        "submission": token,
    }


def test_it_posts_one_work_when_the_form_is_sent_twice(author: User) -> None:
    client = client_for(author)
    token = _token(client, "/works/new/")
    first = client.post("/works/new/", _work_form(token))
    assert first.status_code == 302, first.content.decode()[:3000]
    again = client.post("/works/new/", _work_form(token))
    assert again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Work.objects.filter(title="Sent Twice").count() == 1


def test_a_new_form_posts_a_new_work(author: User) -> None:
    client = client_for(author)
    for _ in range(2):
        response = client.post("/works/new/", _work_form(_token(client, "/works/new/")))
        assert response.status_code == 302
    assert Work.objects.filter(title="Sent Twice").count() == 2


def test_a_form_with_errors_keeps_its_token_and_posts_once_fixed(author: User) -> None:
    client = client_for(author)
    token = _token(client, "/works/new/")
    bad = client.post("/works/new/", _work_form(token, title=""))
    assert bad.status_code == 200
    assert token in bad.content.decode()
    assert not FormSubmission.objects.exists()
    good = client.post("/works/new/", _work_form(token))
    assert good.status_code == 302
    assert Work.objects.filter(title="Sent Twice").count() == 1


def test_it_adds_one_chapter_when_the_form_is_sent_twice(author: User) -> None:
    work = make_work(author)
    client = client_for(author)
    url = f"/works/{work.pk}/chapters/new/"
    token = _token(client, url)
    form = {"text": "The second.", "chapter_format": "text", "intent": "post"}
    form["submission"] = token
    first = client.post(url, form)
    again = client.post(url, form)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Chapter.objects.filter(work=work).count() == 2


def test_tokens_belong_to_one_account_and_bad_tokens_are_ignored(
    author: User, reader: User
) -> None:
    token = _token(client_for(author), "/works/new/")
    assert client_for(author).post("/works/new/", _work_form(token)).status_code == 302
    assert client_for(reader).post("/works/new/", _work_form(token)).status_code == 302
    for bad in ("", "short", "x" * 65, "<script>"):
        assert client_for(reader).post("/works/new/", _work_form(bad)).status_code == 302
    # A NUL byte anywhere in a form is refused before any view (core/middleware.py).
    assert client_for(reader).post("/works/new/", _work_form("\x00" * 20)).status_code == 400
    assert Work.objects.filter(title="Sent Twice").count() == 6
