"""Numbers in query strings: only ASCII digits are numbers. Superscripts, other scripts' digits
and the hostile corpora get a message (or a 400 from the API), never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from ficarchive.accounts.models import User
from ficarchive.core.numbers import parse_whole_number
from ficarchive.tags.models import Tag
from tests.conftest import client_for, hostile_corpus, make_work

pytestmark = pytest.mark.django_db

# Characters str.isdigit() accepts that int() refuses (superscripts, circled digits) or that
# int() reads as a number in another script (Arabic-Indic, Devanagari, fullwidth).
ODD_DIGITS = ["²", "¹", "³", "①", "⁹⁹", "١٢", "५", "１２", "𝟗", "1²", "٣٤٥٦"]

LISTING_PARAMETERS = ["page", "words_from", "words_to"]


def _listing_urls(tag: str) -> list[str]:
    return ["/works/", f"/tags/{tag}/works/", "/"]


def test_it_reads_only_ascii_digits_as_numbers() -> None:
    assert parse_whole_number("42") == 42
    assert parse_whole_number(" 7 ") == 7
    assert parse_whole_number("0") == 0
    for odd in [*ODD_DIGITS, "", " ", "-1", "+1", "1.0", "1e3", "0x10", "1_000", "\x00"]:
        assert parse_whole_number(odd) is None, odd
    assert parse_whole_number("9" * 19) is None  # beyond a database id
    assert parse_whole_number("9" * 5, max_digits=4) is None


def test_it_answers_the_issue_urls_without_a_500(author: User) -> None:
    make_work(author, freeforms=["Fluff"])
    client = Client()
    for url in [
        "/works/?page=%C2%B2",
        "/works/?words_from=%C2%B2",
        "/works/?words_to=%C2%B9",
        "/tags/Fluff/works/?page=%C2%B9",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "is not" in response.content.decode(), url


def test_it_takes_odd_digits_and_the_corpora_in_every_listing_parameter(author: User) -> None:
    make_work(author, freeforms=["Fluff"])
    clients = [Client(), client_for(author)]
    values = ODD_DIGITS + list(hostile_corpus())[::25]
    for url in _listing_urls("Fluff"):
        for name in LISTING_PARAMETERS:
            for index, value in enumerate(values):
                client = clients[index % 2]
                response = client.get(f"{url}?{name}={quote(value[:200])}")
                assert response.status_code in {200, 400}, (url, name, value)


def test_it_takes_odd_digits_in_pages_of_other_lists(author: User, reader: User) -> None:
    work = make_work(author)
    client = client_for(reader)
    for odd in ODD_DIGITS:
        value = quote(odd)
        for url in [
            f"/inbox/?page={value}",
            f"/bookmarks/?page={value}",
            f"/history/?page={value}",
            f"/subscriptions/?page={value}",
            f"/works/{work.pk}/?comments_page={value}",
            f"/works/{work.pk}/bookmarks/?page={value}",
            f"/opds/new/?page={value}",
            f"/opds/search/?q=rain&page={value}",
        ]:
            assert client.get(url).status_code in {200, 400}, url


def test_it_answers_400_for_odd_digits_in_api_numbers(author: User) -> None:
    work = make_work(author, freeforms=["Fluff"])
    client = Client()
    for odd in ODD_DIGITS:
        value = quote(odd)
        for url in [
            f"/api/v1/works/?page={value}",
            f"/api/v1/works/?per_page={value}",
            f"/api/v1/works/?words_from={value}",
            f"/api/v1/tags/?page={value}",
            f"/api/v1/works/{work.pk}/bookmarks/?page={value}",
        ]:
            response = client.get(url)
            assert response.status_code in {400, 404}, url
            assert response["Content-Type"].startswith("application/json"), url


@pytest.mark.parametrize(
    "prefix", ["\ud7ff", "a\ud7ff", "\U0010ffff", "\uffff", "\ud7fe", "\ue000", "z"]
)
def test_it_searches_tag_prefixes_next_to_the_surrogates(author: User, prefix: str) -> None:
    make_work(author, freeforms=["Fluff"])
    Tag.objects.filter(name="Fluff").update(canonical=True)
    response = Client().get(f"/api/v1/tags/?q={quote(prefix)}")
    assert response.status_code == 200, response.content
    assert Client().get(f"/tags/autocomplete/?type=any&q={quote(prefix)}").status_code == 200
    assert list(Tag.objects.name_starts_with(prefix)) is not None


def test_it_finds_a_tag_that_starts_just_below_the_surrogates() -> None:
    for name in ["\ud7ff\ud7ffWeather", "\ue000Rain", "\ud7feRain"]:
        Tag.objects.create(name=name, type="freeform")
    names = [t.name for t in Tag.objects.name_starts_with("\ud7ff")]
    assert names == ["\ud7ff\ud7ffWeather"]
