"""The reader's search syntax: parsing into a tree and compiling it for FTS5 and PostgreSQL.

Pure functions, so the hostile corpora and hypothesis run through them in a moment; the same
strings go through a real database in test_search.py.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ficarchive.search.query import (
    MAX_TOKENS,
    SearchQuery,
    Term,
    describe,
    parse_query,
    to_fts5,
    to_tsquery,
)
from ficarchive.search.snippet import make_snippet
from tests.conftest import hostile_corpus


def t(*tokens: str) -> Term:
    return Term(tokens)


def test_it_requires_every_word() -> None:
    assert parse_query("stone bridge") == SearchQuery(required=((t("stone"),), (t("bridge"),)))


def test_it_reads_a_quoted_phrase() -> None:
    assert parse_query('"stone bridge" rain') == SearchQuery(
        required=((t("stone", "bridge"),), (t("rain"),))
    )


def test_it_excludes_words_and_phrases() -> None:
    assert parse_query('spike -vicious -"red eye"') == SearchQuery(
        required=((t("spike"),),), excluded=(t("vicious"), t("red", "eye"))
    )


def test_or_joins_the_words_on_each_side() -> None:
    assert parse_query("spike faye OR julia") == SearchQuery(
        required=((t("spike"),), (t("faye"), t("julia")))
    )
    assert parse_query('faye OR "red eye" OR julia') == SearchQuery(
        required=((t("faye"), t("red", "eye"), t("julia")),)
    )


def test_lowercase_or_is_a_word() -> None:
    assert parse_query("this or that") == SearchQuery(
        required=((t("this"),), (t("or"),), (t("that"),))
    )


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("OR", SearchQuery(required=((t("OR"),),))),
        ("OR OR", SearchQuery(required=((t("OR"),),))),
        ("a OR", SearchQuery(required=((t("a"),), (t("OR"),)))),
        ("OR a", SearchQuery(required=((t("OR"),), (t("a"),)))),
        ("a OR -b", SearchQuery(required=((t("a"),), (t("OR"),)), excluded=(t("b"),))),
        ("-a OR b", SearchQuery(required=((t("OR"),), (t("b"),)), excluded=(t("a"),))),
    ],
)
def test_or_without_a_word_on_each_side_is_a_plain_word(q: str, expected: SearchQuery) -> None:
    assert parse_query(q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"stone bridge', SearchQuery(required=((t("stone", "bridge"),),))),
        ('stone" bridge', SearchQuery(required=((t("stone"),), (t("bridge"),)))),
        ("-", SearchQuery()),
        ("- -- ---", SearchQuery()),
        ('""', SearchQuery()),
        ("don't", SearchQuery(required=((t("don", "t"),),))),
        ("--vicious", SearchQuery(excluded=(t("vicious"),))),
        ("well-known", SearchQuery(required=((t("well", "known"),),))),
        ("title:spike", SearchQuery(required=((t("title", "spike"),),))),
        (
            "spike NEAR/3 faye",
            SearchQuery(required=((t("spike"),), (t("NEAR", "3"),), (t("faye"),))),
        ),
        ("bebop*", SearchQuery(required=((t("bebop"),),))),
        ("^start", SearchQuery(required=((t("start"),),))),
        ("snake_case", SearchQuery(required=((t("snake", "case"),),))),
        ("a a a", SearchQuery(required=((t("a"),),))),
        (
            "', 1); DROP TABLE x; --",
            SearchQuery(required=((t("1"),), (t("DROP"),), (t("TABLE"),), (t("x"),))),
        ),
    ],
)
def test_syntax_errors_and_operators_are_plain_words(q: str, expected: SearchQuery) -> None:
    assert parse_query(q) == expected


def test_a_query_without_words_is_empty() -> None:
    for q in ("", "   ", "!!!", "-", '"', "* ^ : ( )", "-vicious"):
        assert parse_query(q).is_empty, q


def test_it_keeps_accented_and_cjk_words() -> None:
    assert parse_query("café 東京") == SearchQuery(required=((t("café"),), (t("東京"),)))
    # Decomposed input is composed first, as the text pipeline stores text.
    assert parse_query("cafe\u0301") == parse_query("café")


def test_it_caps_the_number_of_words() -> None:
    query = parse_query(" ".join(f"w{i}" for i in range(200)))
    assert sum(len(term.tokens) for group in query.required for term in group) == MAX_TOKENS


def test_it_compiles_to_fts5() -> None:
    query = parse_query('"stone bridge" faye OR julia -vicious')
    assert to_fts5(query) == ('((("stone bridge") AND ("faye" OR "julia")) NOT "vicious")')
    assert to_fts5(SearchQuery()) == ""


def test_it_compiles_to_tsquery() -> None:
    query = parse_query('"stone bridge" faye OR julia -vicious')
    assert to_tsquery(query) == ("(('stone' <-> 'bridge')) & (('faye') | ('julia')) & !('vicious')")
    assert to_tsquery(SearchQuery()) == ""


def test_tsquery_lexemes_are_quoted() -> None:
    # Tokens are letters and digits only, but the quoting would hold for anything.
    query = SearchQuery(required=((Term(("it's", "a\\b")),),))
    assert to_tsquery(query) == r"(('it''s' <-> 'a\\b'))"
    assert to_fts5(SearchQuery(required=((Term(('say "hi"',)),),))) == '(("say ""hi"""))'


def test_describe_shows_what_was_searched() -> None:
    assert describe(parse_query('"stone  bridge" a OR b -"red eye" --x')) == (
        '"stone bridge" a OR b -"red eye" -x'
    )


def corpus() -> list[str]:
    return list(hostile_corpus())


@pytest.fixture(scope="module")
def fts5() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE doc USING fts5(title, body, tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute("INSERT INTO doc VALUES ('Stone Bridge', 'they met on the stone bridge')")
    return db


def check_compiles(q: str, db: sqlite3.Connection) -> None:
    query = parse_query(q)
    fts = to_fts5(query)
    ts = to_tsquery(query)
    assert bool(fts) == bool(ts) == (not query.is_empty)
    if fts:
        # SQLite's own parser is the judge: the expression must never be a syntax error.
        db.execute("SELECT count(*) FROM doc WHERE doc MATCH ?", (fts,)).fetchall()
        # Every lexeme is quoted, so nothing the reader typed is a tsquery operator.
        assert not re.search(r"[^'\s()&|!<>-]", re.sub(r"'(?:[^']|'')*'", "", ts))


def test_the_hostile_corpora_compile(fts5: sqlite3.Connection) -> None:
    for q in corpus():
        check_compiles(q, fts5)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_any_text_compiles(fts5: sqlite3.Connection, q: str) -> None:
    check_compiles(q, fts5)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(['"', "-", "OR", " ", "a", "b", "NEAR", "*", "^", ":", "(", ")", "é"]),
        max_size=20,
    )
)
def test_operator_soup_compiles(fts5: sqlite3.Connection, pieces: list[str]) -> None:
    check_compiles("".join(pieces), fts5)
    check_compiles(" ".join(pieces), fts5)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abcxyz", min_size=1, max_size=5), min_size=1, max_size=6))
def test_plain_words_are_all_required(words: list[str]) -> None:
    query = parse_query(" ".join(words))
    assert [group[0].tokens[0] for group in query.required] == list(dict.fromkeys(words))
    assert query.excluded == ()


def test_snippets_escape_the_text_and_mark_the_words() -> None:
    query = parse_query("script bridge")
    text = 'He typed <script>alert("x")</script> & the <mark>bridge</mark> fell.'
    assert make_snippet([text], query) == (
        'He typed &lt;<mark>script</mark>&gt;alert("x")&lt;/<mark>script</mark>&gt; &amp; '
        "the &lt;mark&gt;<mark>bridge</mark>&lt;/mark&gt; fell."
    )


def test_snippets_show_the_window_with_the_most_words() -> None:
    text = "stone " + "filler " * 100 + "the stone bridge " + "filler " * 100
    snippet = make_snippet(["", text], parse_query("stone bridge"))
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert "<mark>stone</mark> <mark>bridge</mark>" in snippet
    assert make_snippet(["nothing here"], parse_query("stone")) == ""
    assert make_snippet(["x"], parse_query("-stone")) == ""


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.text(max_size=40))
def test_snippets_are_always_escaped(text: str, q: str) -> None:
    snippet = make_snippet([text], parse_query(q))
    assert "<" not in re.sub(r"</?mark>", "", snippet)
    assert snippet.count("<mark>") == snippet.count("</mark>")


def test_words_query_ranks_what_the_query_matches() -> None:
    from ficarchive.search.query import parse_query, to_fts5

    assert to_fts5(parse_query('"the door" looked').words_query()) == '(("door" OR "looked"))'
    assert to_fts5(parse_query("the OR door").words_query()) == '(("the" OR "door"))'
    assert to_fts5(parse_query("the a").words_query()) == '(("the" OR "a"))'
    assert to_fts5(parse_query("Door -garden").words_query()) == '(("door"))'
    assert parse_query('"the door"').has_phrase and not parse_query("the door").has_phrase
    assert parse_query("the door").has_stop_word and not parse_query("door").has_stop_word
