"""Search snippets mark the words searched for, not the stop words of an unquoted query, and
mark a quoted phrase as a whole; the results sentence does not double the reader's quotes."""

from __future__ import annotations

import re

import pytest

from ficarchive.accounts.models import User
from ficarchive.search.query import parse_query, quoted_query
from ficarchive.search.snippet import make_snippet
from tests.conftest import client_for, make_work


def marked(snippet: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", snippet)


def test_stop_words_of_an_unquoted_query_are_not_marked() -> None:
    text = "A bridge in the rain and a boat in the fog."
    snippet = make_snippet([text], parse_query("bridge in the rain"))
    assert marked(snippet) == ["bridge", "rain"]
    assert make_snippet([text], parse_query("and a boat")) == (
        "A bridge in the rain and a <mark>boat</mark> in the fog."
    )


def test_a_query_of_stop_words_alone_still_marks_them() -> None:
    snippet = make_snippet(["Over and over again."], parse_query("over"))
    assert marked(snippet) == ["Over", "over"]


def test_a_quoted_phrase_is_marked_whole_with_its_stop_words() -> None:
    text = "Over the hill. A stone bridge over water, then a stone wall over the river."
    snippet = make_snippet([text], parse_query('"stone bridge over water"'))
    assert marked(snippet) == ["stone bridge over water"]
    # Separators between the phrase's words may be any punctuation, as the index reads them.
    snippet = make_snippet(
        ["The stone-bridge, over; water."], parse_query('"stone bridge over water"')
    )
    assert marked(snippet) == ["stone-bridge, over; water"]


def test_words_and_phrases_together() -> None:
    snippet = make_snippet(
        ["Julia waited by the red eye of the storm, in the rain."],
        parse_query('julia "red eye" in rain'),
    )
    assert marked(snippet) == ["Julia", "red eye", "rain"]


@pytest.mark.parametrize(
    ("q", "label"),
    [
        ("stone bridge", "“stone bridge”"),
        ('"stone bridge over water"', "“stone bridge over water”"),
        ('bridge "red eye"', "bridge “red eye”"),
        ('"stone bridge', "“stone bridge"),
        ("  spaced   out ", "“spaced out”"),
    ],
)
def test_the_results_sentence_quotes_once(q: str, label: str) -> None:
    assert quoted_query(q) == label


@pytest.mark.django_db
def test_the_listing_says_it_without_doubled_quotes(author: User) -> None:
    make_work(author, "Crossing", text="A stone bridge over water, at last.")
    text = client_for(None).get("/works/", {"q": '"stone bridge over water"'}).text
    assert "1 work found for “stone bridge over water”" in text
    assert "“&quot;" not in text
    snippet = re.search(r'<p class="search-snippet">(.*?)</p>', text, re.S)
    assert snippet is not None
    assert marked(snippet.group(1)) == ["stone bridge over water"]
    text = client_for(None).get("/works/", {"q": "a bridge over water"}).text
    snippet = re.search(r'<p class="search-snippet">(.*?)</p>', text, re.S)
    assert snippet is not None
    assert marked(snippet.group(1)) == ["bridge", "water"]


def test_the_snippet_is_the_first_window_with_every_marked_word() -> None:
    # The scan stops once a window holds every marked word; the window is the one a full
    # scan chooses: the first with the most different words.
    filler = "rain fell on the dome. " * 40
    text = f"The door. {filler}A stone here. {filler}The stone door. {filler}The stone door."
    snippet = make_snippet([text], parse_query("stone door"))
    assert snippet.startswith("…") and marked(snippet)[:2] == ["stone", "door"]
    assert make_snippet([text], parse_query('"the door"')).startswith("<mark>The door</mark>")
    assert marked(make_snippet([text], parse_query("door")))[0] == "door"
