"""Prompt memes: the meme's settings, prompts (anonymous ones too), claims, fills through the
work form, the prompter's notification, and what the pages show to whom."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.challenges.actions import TagSetInput, create_tag_set
from ficarchive.collections.actions import (
    CollectionInput,
    add_member,
    create_collection,
    moderate_item,
)
from ficarchive.collections.models import Collection, CollectionItem
from ficarchive.notifications.models import Notification
from ficarchive.prompt_memes.actions import (
    MemeInput,
    PromptInput,
    claim_prompt,
    post_prompt,
    save_meme,
    set_work_fills,
)
from ficarchive.prompt_memes.models import Claim, Fill, Prompt, PromptMeme
from ficarchive.works.actions import post_draft_work
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, client_for, hostile_corpus, make_work
from tests.htmlcheck import assert_nothing_executable
from tests.test_collections import work_form

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
OnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
# A name that appears nowhere on a page unless the page names the prompter.
PROMPTER = "Zephyrine_Quill"


@pytest.fixture(autouse=True)
def _immediate_tasks() -> Iterator[None]:
    with override_settings(TASKS=IMMEDIATE):
        yield


@pytest.fixture
def committing(django_capture_on_commit_callbacks: OnCommit) -> Callable[[], Any]:
    """Run what the actions queue on commit (the fill notification) as the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def prompter(db: None) -> User:
    return sign_up(PROMPTER, "zq@example.org", PASSWORD)


@pytest.fixture
def fest(author: User) -> Collection:
    return create_collection(author, CollectionInput(name="dome_fest", title="Dome Fest"))


@pytest.fixture
def meme(author: User, fest: Collection) -> PromptMeme:
    return save_meme(author, fest, MemeInput())


def prompt_of(user: User, meme: PromptMeme, title: str = "Rain indoors", **fields: Any) -> Prompt:
    fields.setdefault("tags", {"fandom": ["Cowboy Bebop"]})
    return post_prompt(user, meme, PromptInput(title=title, **fields))


def fill_with_work(user: User, claim: Claim, *, draft: bool = False, title: str = "Fill") -> Work:
    work = make_work(user, title, draft=draft)
    set_work_fills(user, work, [claim])
    return work


# The meme's settings -------------------------------------------------------------------------


def test_moderators_attach_and_change_a_prompt_meme(
    author: User, reader: User, stranger: User, fest: Collection
) -> None:
    assert client_for(stranger).get("/collections/dome_fest/prompt_meme/").status_code == 404
    assert client_for(None).get("/collections/dome_fest/prompts/").status_code == 404
    add_member(author, fest, "reader", "moderator")
    client = client_for(reader)
    assert client.get("/collections/dome_fest/prompt_meme/").status_code == 200
    response = client.post(
        "/collections/dome_fest/prompt_meme/",
        {
            "opens_at": "2020-01-01T00:00",
            "closes_at": "2099-01-01T00:00",
            "max_prompts": "2",
            "fandom_rule": "required",
            "character_rule": "none",
            "relationship_rule": "optional",
            "freeform_rule": "optional",
            "anonymous_allowed": "",
        },
    )
    assert response.status_code == 302
    meme = PromptMeme.objects.get(collection=fest)
    assert meme.max_prompts == 2
    assert meme.character_rule == "none"
    assert not meme.anonymous_allowed
    page = client_for(None).get("/collections/dome_fest/").content.decode()
    assert "/collections/dome_fest/prompts/" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"opens_at": "2030-01-01T00:00", "closes_at": "2029-01-01T00:00"}, "must close after"),
        ({"max_prompts": "0"}, "greater than or equal to 1"),
        ({"max_prompts": "lots"}, "as a whole number"),
        ({"tag_set": "987654"}, "No tag set has that number"),
        ({"tag_set": "abc"}, "tag set&#x27;s number"),
        ({"opens_at": "yesterday"}, "Enter a valid date/time"),
        ({"fandom_rule": "maybe"}, "Select a valid choice"),
    ],
)
def test_bad_meme_settings_are_refused_with_a_message(
    author: User, fest: Collection, fields: dict[str, str], message: str
) -> None:
    data = {
        "max_prompts": "3",
        "fandom_rule": "required",
        "character_rule": "optional",
        "relationship_rule": "optional",
        "freeform_rule": "optional",
        **fields,
    }
    response = client_for(author).post("/collections/dome_fest/prompt_meme/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PromptMeme.objects.exists()


# Prompts -------------------------------------------------------------------------------------


def test_a_participant_posts_edits_and_deletes_a_prompt(
    meme: PromptMeme, prompter: User, stranger: User
) -> None:
    client = client_for(prompter)
    response = client.post(
        "/collections/dome_fest/prompts/new/",
        {
            "title": "Rain indoors",
            "description": "<p>Under <b>the</b> dome.</p><script>alert(1)</script>",
            "fandoms": "Cowboy Bebop",
            "characters": "Spike Spiegel, Faye Valentine",
            "url": "https://example.org/more",
        },
    )
    assert response.status_code == 302
    prompt = Prompt.objects.get()
    assert prompt.description_html == "<p>Under <b>the</b> dome.</p>"
    assert sorted(t.name for t in prompt.tags.all()) == [
        "Cowboy Bebop",
        "Faye Valentine",
        "Spike Spiegel",
    ]
    page = client_for(None).get(f"/collections/dome_fest/prompts/{prompt.pk}/").content.decode()
    assert "Rain indoors" in page and "<b>the</b>" in page and PROMPTER in page
    assert_nothing_executable(page, page=True)
    # Someone else cannot edit or delete it.
    other = client_for(stranger)
    assert other.get(f"/collections/dome_fest/prompts/{prompt.pk}/edit/").status_code == 404
    assert other.post(f"/collections/dome_fest/prompts/{prompt.pk}/delete/").status_code == 404
    edit = client.post(
        f"/collections/dome_fest/prompts/{prompt.pk}/edit/",
        {"title": "Snow indoors", "fandoms": "Cowboy Bebop"},
    )
    assert edit.status_code == 302
    prompt.refresh_from_db()
    assert prompt.title == "Snow indoors"
    assert client.post(f"/collections/dome_fest/prompts/{prompt.pk}/delete/").status_code == 302
    assert not Prompt.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"fandoms": ""}, "Name at least one fandom tag"),
        ({"title": "   "}, "This field is required"),
        ({"url": "javascript:alert(1)"}, "must be a web address starting with http"),
        ({"url": "ftp://example.org/x"}, "must be a web address starting with http"),
        ({"fandoms": "Bad*Tag"}, "which tags cannot hold"),
        ({"fandoms": ", ".join(f"F{i}" for i in range(11))}, "at most 10 fandom tags"),
        ({"title": "x" * 300}, "at most 255 characters"),
    ],
)
def test_bad_prompts_are_refused_with_a_message(
    meme: PromptMeme, prompter: User, fields: dict[str, str], message: str
) -> None:
    data = {"title": "Rain indoors", "fandoms": "Cowboy Bebop", **fields}
    response = client_for(prompter).post("/collections/dome_fest/prompts/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Prompt.objects.exists()


def test_the_meme_rules_apply_to_prompts(
    author: User, fest: Collection, prompter: User, meme: PromptMeme
) -> None:
    save_meme(
        author,
        fest,
        MemeInput(max_prompts=1, rules={"fandom": "required", "character": "none"}),
    )
    client = client_for(prompter)
    url = "/collections/dome_fest/prompts/new/"
    # The form has no Characters field when the meme takes none; the action refuses them.
    assert 'name="characters"' not in client.get(url).content.decode()
    meme.refresh_from_db()
    with pytest.raises(ValidationError, match="takes no character tags"):
        prompt_of(prompter, meme, tags={"fandom": ["X"], "character": ["Y"]})
    assert client.post(url, {"title": "One", "fandoms": "Cowboy Bebop"}).status_code == 302
    second = client.post(url, {"title": "Two", "fandoms": "Cowboy Bebop"})
    assert "as many as this prompt meme allows" in second.content.decode()
    assert Prompt.objects.count() == 1


def test_a_tag_set_limits_the_tags_of_prompts(
    author: User, fest: Collection, prompter: User
) -> None:
    tag_set = create_tag_set(author, TagSetInput(title="Space", tags={"fandom": ["Cowboy Bebop"]}))
    meme = save_meme(author, fest, MemeInput(tag_set_id=tag_set.pk))
    client = client_for(prompter)
    url = "/collections/dome_fest/prompts/new/"
    refused = client.post(url, {"title": "One", "fandoms": "Trigun"})
    assert "is not a fandom tag of this prompt meme" in refused.content.decode()
    assert client.post(url, {"title": "One", "fandoms": "cowboy bebop"}).status_code == 302
    assert [t.name for t in Prompt.objects.get(meme=meme).tags.all()] == ["Cowboy Bebop"]


def test_prompts_only_while_the_meme_is_open(
    author: User, fest: Collection, prompter: User
) -> None:
    now = timezone.now()
    save_meme(author, fest, MemeInput(opens_at=now + timedelta(days=1)))
    url = "/collections/dome_fest/prompts/new/"
    early = client_for(prompter).post(url, {"title": "One", "fandoms": "Cowboy Bebop"})
    assert "opens on" in early.content.decode()
    save_meme(author, fest, MemeInput(closes_at=now - timedelta(days=1)))
    late = client_for(prompter).post(url, {"title": "One", "fandoms": "Cowboy Bebop"})
    assert "closed on" in late.content.decode()
    assert not Prompt.objects.exists()


def test_hostile_strings_in_prompt_fields_are_refused_or_kept_inert(
    meme: PromptMeme, prompter: User, stranger: User
) -> None:
    client = client_for(prompter)
    meme.max_prompts = 100
    meme.save()
    for text in hostile_corpus()[:40]:
        data = {
            "title": text,
            "description": text,
            "fandoms": text,
            "characters": text,
            "url": text,
            "anonymous": text,
        }
        before = Prompt.objects.count()
        response = client.post("/collections/dome_fest/prompts/new/", data)
        assert response.status_code in (200, 302), text
        if response.status_code == 200:
            assert_nothing_executable(response.content.decode(), page=True)
            assert Prompt.objects.count() == before  # nothing half-saved
        safe = {**data, "url": "", "fandoms": "Cowboy Bebop", "characters": ""}
        response = client.post("/collections/dome_fest/prompts/new/", safe)
        assert response.status_code in (200, 302), text
        assert client.get("/collections/dome_fest/prompts/", {"fandom": text}).status_code == 200
        assert client.get("/collections/dome_fest/prompts/", {"page": text}).status_code == 200
        assert client.get("/works/new/", {"claim": text}).status_code == 200
    assert Prompt.objects.exists()
    for prompt in Prompt.objects.all()[:10]:
        claim_prompt(stranger, prompt)
    for path in ("/collections/dome_fest/prompts/", "/claims/"):
        page = client_for(stranger).get(path)
        assert page.status_code == 200
        assert_nothing_executable(page.content.decode(), page=True)


# Anonymous prompts ---------------------------------------------------------------------------


def test_an_anonymous_prompter_is_shown_only_to_moderators_and_themself(
    author: User, meme: PromptMeme, prompter: User, stranger: User
) -> None:
    response = client_for(prompter).post(
        "/collections/dome_fest/prompts/new/",
        {"title": "Rain indoors", "fandoms": "Cowboy Bebop", "anonymous": "on"},
    )
    assert response.status_code == 302
    prompt = Prompt.objects.get()
    assert prompt.anonymous
    paths = ("/collections/dome_fest/prompts/", f"/collections/dome_fest/prompts/{prompt.pk}/")
    for viewer in (None, stranger):
        for path in paths:
            page = client_for(viewer).get(path).content.decode()
            assert "Rain indoors" in page and "Anonymous" in page
            assert PROMPTER not in page and PROMPTER.lower() not in page.lower()
    for viewer in (author, prompter):
        for path in paths:
            assert PROMPTER in client_for(viewer).get(path).content.decode()
    # A claim puts the prompter's name nowhere the claimant looks either.
    claim_prompt(stranger, prompt)
    for path in (*paths, "/claims/", "/inbox/"):
        assert PROMPTER.lower() not in client_for(stranger).get(path).content.decode().lower()


def test_anonymous_prompts_only_where_the_meme_allows_them(
    author: User, fest: Collection, prompter: User
) -> None:
    meme = save_meme(author, fest, MemeInput(anonymous_allowed=False))
    client = client_for(prompter)
    assert (
        'name="anonymous"' not in client.get("/collections/dome_fest/prompts/new/").content.decode()
    )
    with pytest.raises(ValidationError, match="does not take anonymous prompts"):
        prompt_of(prompter, meme, anonymous=True)


# Claims --------------------------------------------------------------------------------------


def test_members_claim_list_and_drop_claims(
    meme: PromptMeme, prompter: User, reader: User, stranger: User
) -> None:
    prompt = prompt_of(prompter, meme)
    url = f"/collections/dome_fest/prompts/{prompt.pk}/claim/"
    assert client_for(None).post(url).status_code == 302  # to the log-in page
    assert not Claim.objects.exists()
    assert client_for(stranger).post(url).status_code == 302
    assert client_for(reader).post(url).status_code == 302  # several members may claim
    assert Claim.objects.filter(prompt=prompt).count() == 2
    page = client_for(None).get(f"/collections/dome_fest/prompts/{prompt.pk}/").content.decode()
    assert "stranger" in page and "reader" in page
    twice = client_for(stranger).post(url, follow=True).content.decode()
    assert "You have already claimed this prompt" in twice
    assert Claim.objects.filter(prompt=prompt).count() == 2
    mine = client_for(stranger).get("/claims/").content.decode()
    assert "Rain indoors" in mine and "Fill this prompt" in mine
    claim = Claim.objects.get(user=stranger)
    # Only the claimant (or a moderator) drops a claim.
    assert client_for(reader).post(f"/claims/{claim.pk}/drop/", follow=True).status_code == 200
    assert Claim.objects.filter(pk=claim.pk).exists()
    assert client_for(stranger).post(f"/claims/{claim.pk}/drop/").status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists()
    again = client_for(stranger).post(f"/claims/{claim.pk}/drop/", follow=True)
    assert "already dropped" in again.content.decode()
    assert client_for(stranger).get(f"/claims/{claim.pk}/drop/").status_code == 405


def test_claims_are_refused_after_close_and_on_filled_prompts(
    author: User, fest: Collection, meme: PromptMeme, prompter: User, reader: User, stranger: User
) -> None:
    prompt = prompt_of(prompter, meme)
    claim = claim_prompt(stranger, prompt)
    fill_with_work(stranger, claim)
    url = f"/collections/dome_fest/prompts/{prompt.pk}/claim/"
    filled = client_for(reader).post(url, follow=True).content.decode()
    assert "already filled" in filled
    other = prompt_of(prompter, meme, "Snow indoors")
    save_meme(author, fest, MemeInput(closes_at=timezone.now() - timedelta(minutes=1)))
    closed = client_for(reader).post(
        f"/collections/dome_fest/prompts/{other.pk}/claim/", follow=True
    )
    assert "closed on" in closed.content.decode()
    assert not Claim.objects.filter(user=reader).exists()


# Fills ---------------------------------------------------------------------------------------


def test_fill_this_prompt_prefills_the_work_form_and_the_work_fills_it(
    meme: PromptMeme, prompter: User, stranger: User, committing: Callable[[], Any]
) -> None:
    prompt = prompt_of(prompter, meme, anonymous=True)
    claim = claim_prompt(stranger, prompt)
    client = client_for(stranger)
    form = client.get(f"/works/new/?claim={claim.pk}").content.decode()
    assert 'value="dome_fest"' in form
    assert f'value="{claim.pk}"' in form and "checked" in form
    # Someone else's claim number prefills nothing.
    assert (
        "dome_fest"
        not in client_for(prompter).get(f"/works/new/?claim={claim.pk}").content.decode()
    )
    with committing():
        response = client.post(
            "/works/new/",
            work_form("Rain, answered", collections="dome_fest", prompt_claims=str(claim.pk)),
        )
    assert response.status_code == 302
    work = Work.objects.get(title="Rain, answered")
    assert Fill.objects.filter(prompt=prompt, work=work).exists()
    assert CollectionItem.objects.get(work=work).approved
    page = client_for(None).get(f"/collections/dome_fest/prompts/{prompt.pk}/").content.decode()
    assert "Rain, answered" in page and "Filled" in page
    notes = Notification.objects.filter(recipient=prompter, kind="prompt-fill")
    assert notes.count() == 1
    assert "Rain, answered" in notes.get().message
    # Editing the work again tells nobody again; the filler hears nothing naming the prompter.
    with committing():
        edit = client.post(
            f"/works/{work.pk}/edit/",
            work_form("Rain, answered", collections="dome_fest", prompt_claims=str(claim.pk)),
        )
    assert edit.status_code == 302
    assert notes.count() == 1
    for path in ("/inbox/", f"/works/{work.pk}/", "/claims/", "/collections/dome_fest/prompts/"):
        assert PROMPTER.lower() not in client.get(path).content.decode().lower()
    assert not Notification.objects.filter(recipient=stranger).exists()


def test_a_fill_is_added_to_the_collection_even_without_naming_it(
    meme: PromptMeme, prompter: User, stranger: User
) -> None:
    prompt = prompt_of(prompter, meme)
    claim = claim_prompt(stranger, prompt)
    response = client_for(stranger).post(
        "/works/new/", work_form("Quiet fill", prompt_claims=str(claim.pk))
    )
    assert response.status_code == 302
    work = Work.objects.get(title="Quiet fill")
    assert CollectionItem.objects.filter(collection=meme.collection, work=work).exists()
    # Someone else's claim number is not a choice.
    other = client_for(prompter).post(
        "/works/new/", work_form("Not mine", prompt_claims=str(claim.pk))
    )
    assert not Fill.objects.filter(work__title="Not mine").exists()
    assert other.status_code in (200, 302)


def test_the_prompter_is_told_once_when_a_draft_fill_is_posted(
    meme: PromptMeme, prompter: User, stranger: User, reader: User, committing: Callable[[], Any]
) -> None:
    prompt = prompt_of(prompter, meme)
    claim = claim_prompt(stranger, prompt)
    with committing():
        work = fill_with_work(stranger, claim, draft=True, title="Draft fill")
    notes = Notification.objects.filter(recipient=prompter, kind="prompt-fill")
    assert not notes.exists()
    for viewer in (None, reader, prompter):
        page = client_for(viewer).get(f"/collections/dome_fest/prompts/{prompt.pk}/")
        assert "Draft fill" not in page.content.decode()
    with committing():
        post_draft_work(stranger, work)
    assert notes.count() == 1
    with committing():
        set_work_fills(stranger, work, [claim])
    assert notes.count() == 1
    assert (
        "Draft fill" in client_for(reader).get("/collections/dome_fest/prompts/").content.decode()
    )


def test_hidden_and_unapproved_fills_are_not_listed_or_told(
    author: User,
    fest: Collection,
    meme: PromptMeme,
    prompter: User,
    stranger: User,
    reader: User,
    committing: Callable[[], Any],
) -> None:
    prompt = prompt_of(prompter, meme)
    claim = claim_prompt(stranger, prompt)
    with committing():
        work = fill_with_work(stranger, claim, title="Soon hidden")
    Work.objects.filter(pk=work.pk).update(hidden=True)
    for viewer in (None, reader, prompter):
        page = client_for(viewer).get("/collections/dome_fest/prompts/").content.decode()
        assert "Soon hidden" not in page
    # A hidden fill does not make the prompt filled: others may still claim it.
    assert claim_prompt(reader, prompt)
    # A moderated collection: the prompter hears of the fill once it is approved.
    fest.moderated = True
    fest.save()
    other = prompt_of(prompter, meme, "Snow indoors")
    claim = claim_prompt(stranger, other)
    with committing():
        waiting = fill_with_work(stranger, claim, title="Waiting fill")
    notes = Notification.objects.filter(recipient=prompter, kind="prompt-fill")
    assert not notes.filter(message__contains="Waiting fill").exists()
    listed = client_for(reader).get(f"/collections/dome_fest/prompts/{other.pk}/").content.decode()
    assert "Waiting fill" not in listed
    with committing():
        moderate_item(author, CollectionItem.objects.get(work=waiting), approve=True)
    assert notes.filter(message__contains="Waiting fill").count() == 1
    listed = client_for(reader).get(f"/collections/dome_fest/prompts/{other.pk}/").content.decode()
    assert "Waiting fill" in listed


def test_a_filled_prompt_can_no_longer_be_edited_by_its_prompter(
    meme: PromptMeme, prompter: User, stranger: User
) -> None:
    prompt = prompt_of(prompter, meme)
    fill_with_work(stranger, claim_prompt(stranger, prompt))
    client = client_for(prompter)
    edit = client.post(
        f"/collections/dome_fest/prompts/{prompt.pk}/edit/",
        {"title": "Changed", "fandoms": "Cowboy Bebop"},
    )
    assert "can no longer be changed" in edit.content.decode()
    delete = client.post(f"/collections/dome_fest/prompts/{prompt.pk}/delete/", follow=True)
    assert "can no longer be changed" in delete.content.decode()
    prompt.refresh_from_db()
    assert prompt.title == "Rain indoors"


def test_the_list_filters_by_fandom_and_unfilled_and_pages(
    meme: PromptMeme, prompter: User, stranger: User, reader: User
) -> None:
    meme.max_prompts = 30
    meme.save()
    bebop = prompt_of(prompter, meme, "Bebop prompt")
    prompt_of(prompter, meme, "Trigun prompt", tags={"fandom": ["Trigun"]})
    fill_with_work(stranger, claim_prompt(stranger, bebop))
    client = client_for(reader)
    url = "/collections/dome_fest/prompts/"
    page = client.get(url, {"fandom": "trigun"}).content.decode()
    assert "Trigun prompt" in page and "Bebop prompt" not in page
    page = client.get(url, {"unfilled": "1"}).content.decode()
    assert "Trigun prompt" in page and "Bebop prompt" not in page
    page = client.get(url, {"fandom": "Nothing Here"}).content.decode()
    assert "No prompts match these filters." in page
    for i in range(21):
        prompt_of(prompter, meme, f"Extra {i}")
    first = client.get(url).content.decode()
    assert "Page 1 of 2" in first
    assert "There is no page 9" in client.get(url, {"page": "9"}).content.decode()


def test_the_prompt_list_costs_a_fixed_number_of_queries(
    meme: PromptMeme, prompter: User, stranger: User, reader: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    meme.max_prompts = 30
    meme.save()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_for(reader).get("/collections/dome_fest/prompts/").status_code == 200
        return len(queries)

    fill_with_work(stranger, claim_prompt(stranger, prompt_of(prompter, meme, "First")))
    count()  # warm what the first request of a process reads
    few = count()
    for i in range(5):
        prompt = prompt_of(prompter, meme, f"More {i}", tags={"fandom": [f"F{i}"]})
        fill_with_work(stranger, claim_prompt(stranger, prompt), title=f"Fill {i}")
    assert count() == few
