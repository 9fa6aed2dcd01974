"""API writes with an Idempotency-Key: a retry within 24 hours answers the first answer and
writes nothing; a key reused for another request is refused; the key is stored only with a
write that happened."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ficarchive.accounts.models import User
from ficarchive.api.actions import create_token
from ficarchive.api.models import IdempotentRequest
from ficarchive.works.models import Chapter, Work
from tests.conftest import hostile_corpus, make_work

NEW_WORK = {
    "title": "Retried",
    "fandoms": ["Cowboy Bebop"],
    "warnings": ["No Archive Warnings Apply"],
    "chapter": {"text": "Once only.", "text_format": "text"},
}


def send(method: str, url: str, token: str, body: Any, key: str | None) -> Any:
    headers: dict[str, str] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    client = Client()
    response = getattr(client, method.lower())(
        url, data=json.dumps(body), content_type="application/json", **headers
    )
    return response


def test_it_answers_a_retried_post_with_the_first_answer_and_posts_once(author: User) -> None:
    token = create_token(author, "t")[1]
    first = send("POST", "/api/v1/works/", token, NEW_WORK, "3f1c-retry-1")
    again = send("POST", "/api/v1/works/", token, NEW_WORK, "3f1c-retry-1")
    assert first.status_code == again.status_code == 201
    assert json.loads(first.content) == json.loads(again.content)
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Work.objects.filter(title="Retried").count() == 1


def test_it_adds_one_chapter_for_a_retried_chapter(author: User) -> None:
    token = create_token(author, "t")[1]
    work = make_work(author)
    body = {"text": "The second.", "text_format": "text"}
    for _ in range(3):
        response = send("POST", f"/api/v1/works/{work.pk}/chapters/", token, body, "chapter-2")
        assert response.status_code == 201
    assert Chapter.objects.filter(work=work).count() == 2


def test_it_posts_twice_without_a_key_or_with_two_keys(author: User) -> None:
    token = create_token(author, "t")[1]
    send("POST", "/api/v1/works/", token, NEW_WORK, None)
    send("POST", "/api/v1/works/", token, NEW_WORK, None)
    send("POST", "/api/v1/works/", token, NEW_WORK, "a")
    send("POST", "/api/v1/works/", token, NEW_WORK, "b")
    assert Work.objects.filter(title="Retried").count() == 4


def test_it_refuses_a_key_reused_for_another_request(author: User) -> None:
    token = create_token(author, "t")[1]
    send("POST", "/api/v1/works/", token, NEW_WORK, "same")
    other = send("POST", "/api/v1/works/", token, {**NEW_WORK, "title": "Other"}, "same")
    assert other.status_code == 422
    assert "another request" in json.loads(other.content)["error"]
    assert not Work.objects.filter(title="Other").exists()


def test_keys_belong_to_one_account(author: User, reader: User) -> None:
    send("POST", "/api/v1/works/", create_token(author, "t")[1], NEW_WORK, "shared")
    theirs = send("POST", "/api/v1/works/", create_token(reader, "t")[1], NEW_WORK, "shared")
    assert theirs.status_code == 201
    assert Work.objects.filter(title="Retried").count() == 2


def test_a_failed_write_keeps_no_key(author: User) -> None:
    token = create_token(author, "t")[1]
    bad = send("POST", "/api/v1/works/", token, {**NEW_WORK, "title": ""}, "k1")
    assert bad.status_code == 400
    assert not IdempotentRequest.objects.exists()
    good = send("POST", "/api/v1/works/", token, NEW_WORK, "k1")
    assert good.status_code == 201


def test_a_key_expires_after_a_day(author: User) -> None:
    token = create_token(author, "t")[1]
    send("POST", "/api/v1/works/", token, NEW_WORK, "old")
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    send("POST", "/api/v1/works/", token, NEW_WORK, "old")
    assert Work.objects.filter(title="Retried").count() == 2


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "naïve", "tab\there"])
def test_it_refuses_malformed_keys(author: User, key: str) -> None:
    token = create_token(author, "t")[1]
    response = send("POST", "/api/v1/works/", token, NEW_WORK, key)
    assert response.status_code == 400, response.content
    assert "Idempotency-Key" in json.loads(response.content)["error"]
    assert not Work.objects.exists()


def test_hostile_keys_never_answer_500(author: User) -> None:
    token = create_token(author, "t")[1]
    for key in hostile_corpus()[:300]:
        try:
            key.encode("latin-1")
        except UnicodeEncodeError:
            continue  # not sendable as an HTTP header at all
        response = send("POST", "/api/v1/works/", token, NEW_WORK, key)
        assert response.status_code in {201, 400, 422}, (key, response.content)


def test_the_openapi_document_offers_the_header_on_writes(client: Client) -> None:
    document = json.loads(client.get("/api/v1/openapi.json").content)
    post = document["paths"]["/api/v1/works/"]["post"]
    get = document["paths"]["/api/v1/works/"]["get"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])
    assert not any(p["name"] == "Idempotency-Key" for p in get["parameters"])
