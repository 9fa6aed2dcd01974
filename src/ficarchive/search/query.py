"""The reader's search syntax, parsed into a small tree and compiled for each database.

No Django imports: this is pure, fast to test and to fuzz.

Syntax (everything else is a plain word; nothing a reader types is an error):

- ``stone bridge``: works with both words (all words must match);
- ``"stone bridge"``: the phrase, words next to each other in that order;
- ``-vicious`` or ``-"red eye"``: works without the word or phrase;
- ``faye OR julia``: either word (``OR`` in capitals, between two words or phrases; binds
  tighter than the implicit AND, so ``spike faye OR julia`` is spike and (faye or julia)).

A word is a run of letters and digits: ``don't`` is searched as the phrase "don t", and
punctuation, FTS5 operators (``NEAR``, ``*``, ``^``, ``col:``) and SQL are just separators. An
unbalanced quote runs to the end of the query. A query with no words searches nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_CHARS = 500
MAX_TOKENS = 32
MAX_TOKEN_CHARS = 100

# Letters and digits (Python's \w without the underscore), like the FTS5 unicode61 tokenizer
# and PostgreSQL's parser, which both split words at punctuation and underscores.
_TOKEN = re.compile(r"[^\W_]+")
# A quoted phrase (the closing quote may be missing), or a run of anything else but spaces.
_PIECE = re.compile(r'(-*)"([^"]*)"?|([^\s"]+)')


# Words too common to be worth marking in a snippet when searched alone (English; they are
# still searched for). A phrase keeps them: "over the water" is marked as one.
_STOP_WORDS = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True)
class Term:
    """A word or a phrase: the tokens that must appear next to each other, in order."""

    tokens: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@dataclass(frozen=True)
class SearchQuery:
    """Works must match one term of every group in ``required`` and no term in ``excluded``."""

    required: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to search for (excluded words alone cannot rank)."""
        return not self.required

    def words(self) -> list[str]:
        """Return every token the works must or may contain."""
        return [token for group in self.required for term in group for token in term.tokens]

    @property
    def has_phrase(self) -> bool:
        """True when a required term is a phrase of several words."""
        return any(len(term.tokens) > 1 for group in self.required for term in group)

    @property
    def has_stop_word(self) -> bool:
        """True when a required word is an English stop word ("the", "and"...)."""
        return any(token.casefold() in STOP_WORDS for token in self.words())

    def words_query(self) -> SearchQuery:
        """Return the query for any one of the required words but the stop words (all of
        them when there are only stop words), phrases split into words. It matches every work
        this query matches that has a word other than a stop word, so it ranks works already
        found without checking positions, and without reading the positions of words that
        are in every work (whose weight in a ranking is nil anyway)."""
        tokens = list(dict.fromkeys(token.casefold() for token in self.words()))

        def has_kept_word(term: Term) -> bool:
            return any(token.casefold() not in STOP_WORDS for token in term.tokens)

        # Leaving the stop words out is safe when some group cannot match without another
        # word ("the OR door" can: then every word stays).
        if any(all(has_kept_word(term) for term in group) for group in self.required):
            tokens = [t for t in tokens if t not in STOP_WORDS]
        return SearchQuery(required=(tuple(Term((token,)) for token in tokens),))

    def highlights(self) -> list[Term]:
        """Return the terms a snippet marks: every phrase (marked as a whole, stop words and
        all) and every single word but the stop words ("in", "and", "a": found in nearly
        every text, marking them buries the words the reader looked for), unless the query is
        stop words alone."""
        terms = [term for group in self.required for term in group]
        kept = [t for t in terms if len(t.tokens) > 1 or t.tokens[0].casefold() not in STOP_WORDS]
        return kept or terms


@dataclass(frozen=True)
class _Piece:
    kind: str  # "term" or "or"
    term: Term | None = None
    negated: bool = False


def words_of(text: str) -> list[str]:
    """Return the words of a text as the search sees them (for indexing PostgreSQL, whose own
    parser reads tags, URLs and e-mail addresses differently from FTS5)."""
    return _TOKEN.findall(text)


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(t for t in _TOKEN.findall(text) if len(t) <= MAX_TOKEN_CHARS)


def _pieces(q: str) -> list[_Piece]:
    pieces: list[_Piece] = []
    for match in _PIECE.finditer(q):
        dashes, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare == "OR":
                pieces.append(_Piece("or"))
                continue
            negated = bare.startswith("-")
            tokens = _tokens(bare.lstrip("-"))
        else:
            negated = bool(dashes)
            tokens = _tokens(phrase)
        if tokens:
            pieces.append(_Piece("term", Term(tokens), negated))
    return pieces


def parse_query(q: str) -> SearchQuery:
    """Return the search tree for what the reader typed; never raises."""
    q = unicodedata.normalize("NFC", q[:MAX_QUERY_CHARS])
    pieces = _pieces(q)
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    budget = MAX_TOKENS
    join_next = False
    for index, piece in enumerate(pieces):
        if piece.kind == "or":
            following = pieces[index + 1] if index + 1 < len(pieces) else None
            previous = pieces[index - 1] if index else None
            if (
                groups
                and previous is not None
                and previous.kind == "term"
                and not previous.negated
                and following is not None
                and following.kind == "term"
                and not following.negated
            ):
                join_next = True
                continue
            # OR without a word on each side is the plain word "or".
            piece = _Piece("term", Term(("OR",)))
        term = piece.term
        assert term is not None
        if len(term.tokens) > budget:
            break
        budget -= len(term.tokens)
        if piece.negated:
            if term not in excluded:
                excluded.append(term)
        elif join_next:
            if term not in groups[-1]:
                groups[-1].append(term)
        elif [term] not in groups:
            groups.append([term])
        join_next = False
    return SearchQuery(tuple(tuple(g) for g in groups), tuple(excluded))


def _fts5_term(term: Term) -> str:
    # A double-quoted string is an FTS5 phrase; tokens hold no quotes, but double them anyway.
    return '"' + " ".join(t.replace('"', '""') for t in term.tokens) + '"'


def to_fts5(query: SearchQuery) -> str:
    """Return the query as an FTS5 MATCH expression ("" for an empty query)."""
    if query.is_empty:
        return ""
    groups = ["(" + " OR ".join(_fts5_term(t) for t in group) + ")" for group in query.required]
    expression = "(" + " AND ".join(groups) + ")"
    for term in query.excluded:
        expression = f"({expression} NOT {_fts5_term(term)})"
    return expression


def _tsquery_lexeme(token: str) -> str:
    # Lowercased here as in the index, whatever the database's locale.
    token = token.lower()
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsquery_term(term: Term) -> str:
    return "(" + " <-> ".join(_tsquery_lexeme(t) for t in term.tokens) + ")"


def to_tsquery(query: SearchQuery) -> str:
    """Return the query in PostgreSQL ``to_tsquery`` syntax ("" for an empty query)."""
    if query.is_empty:
        return ""
    groups = ["(" + " | ".join(_tsquery_term(t) for t in group) + ")" for group in query.required]
    excluded = [f"!{_tsquery_term(t)}" for t in query.excluded]
    return " & ".join(groups + excluded)


def quoted_query(q: str) -> str:
    """Return what the reader typed, quoted for a sentence ("found for “stone bridge”")
    without doubling their own quotes: a query with double quotes shows them as typographic
    quotes, without another pair around it (“stone bridge over water”, bridge “red eye”)."""
    q = " ".join(q.split())
    if '"' not in q:
        return f"“{q}”"
    pieces = q.split('"')
    out = [pieces[0]]
    for index, piece in enumerate(pieces[1:]):
        out.append("“" if index % 2 == 0 else "”")
        out.append(piece)
    return "".join(out)


def describe(query: SearchQuery) -> str:
    """Return the query as the archive understood it, in its own syntax: "stone bridge" -x."""

    def show(term: Term) -> str:
        return f'"{term.text}"' if len(term.tokens) > 1 else term.text

    parts = [" OR ".join(show(t) for t in group) for group in query.required]
    parts += [f"-{show(t)}" for t in query.excluded]
    return " ".join(parts)
