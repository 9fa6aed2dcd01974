"""A natural vocabulary for generated chapter text: words drawn by Zipf rank.

Real fiction uses a few words constantly ("the", "and", "said") and tens of thousands rarely:
the frequency of the word of rank r is about proportional to 1/r (Zipf's law). The template
prose of ``prose.py`` reads well but knows a few hundred words, so every one of them is in
nearly every work and a full-text search for "two common words" meant something else than it
does on a real archive. Here the vocabulary is ``VOCABULARY_SIZE`` words: real English
function words and common fiction words at the head (in about their order of frequency),
then pronounceable invented words (shorter ones at higher ranks, as in real languages), and
``zipf_paragraph`` writes sentences of words sampled by rank with exponent ``ZIPF_EXPONENT``.

Pure and deterministic: no Django, the vocabulary is the same on every machine (its own fixed
seed), and the same ``random.Random`` state always gives the same paragraph.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from functools import cache

VOCABULARY_SIZE = 30_000
ZIPF_EXPONENT = 1.0
_VOCABULARY_SEED = 20_261_207

# The head: English words in roughly the order of their frequency in fiction.
_HEAD = """
    the and to a of he was i it in that she her you his had with on for at as but they him
    not be said is have my so all me we there were what from out this up one them would no
    been by could into if like back then do down an when or about know their which over now
    your just only did see looked more time eyes even before are around again will through
    way too can hand something still door head face where away than way other thought made
    who how off us here right felt long after little last because never our room come night
    himself went any nothing first herself made man some took why things turned knew while
    well asked told once much own against voice hands moment get tell yes light under
    anything think enough look want another going without always across good let each
    toward every voice behind almost seemed heard same small left life open few place
    old house air water side smile words body mind inside already eye mouth night feet
    should maybe door arm quiet slowly softly morning floor window bed wall heart table
    street fire dark cold warm breath silence shadow stone bridge letter garden sea rain
"""
HEAD_WORDS: tuple[str, ...] = tuple(_HEAD.split())


def _dedupe(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words))


_ONSET_TEXT = "b bl br c ch cl cr d dr f fl fr g gl gr h j k l m n p pl pr qu r s sc sh sl sm sn"
_ONSETS = (*_ONSET_TEXT.split(), "sp", "st", "str", "t", "th", "tr", "v", "w", "wh", "y", "z", "")
_VOWEL_TEXT = "a e i o u a e i o ai ea ee ie oa ou oo y"
_VOWELS = tuple(_VOWEL_TEXT.split())
_CODAS = ("", "", "", "n", "r", "l", "s", "t", "m", "nd", "rn", "st", "ck", "th", "sh", "ng", "x")


def _invented(rng: random.Random, syllables: int) -> str:
    parts = []
    for index in range(syllables):
        onset = rng.choice(_ONSETS) if index == 0 or rng.random() < 0.8 else ""
        coda = rng.choice(_CODAS) if index == syllables - 1 or rng.random() < 0.3 else ""
        parts.append(onset + rng.choice(_VOWELS) + coda)
    return "".join(parts)


@cache
def vocabulary() -> tuple[str, ...]:
    """Return the ``VOCABULARY_SIZE`` words in rank order: the head words, then invented
    pronounceable words, each distinct, longer as the rank grows."""
    words = list(_dedupe(HEAD_WORDS))
    seen = set(words)
    rng = random.Random(_VOCABULARY_SEED)
    while len(words) < VOCABULARY_SIZE:
        rank = len(words)
        # Two syllables around rank 1,000, three around 10,000: frequent words are short.
        syllables = 1 + (rank > 600) + (rank > 4_000) + (rank > 20_000) + (rng.random() < 0.3)
        word = _invented(rng, syllables)
        if 2 <= len(word) <= 14 and word not in seen:
            seen.add(word)
            words.append(word)
    return tuple(words)


@cache
def _cumulative_weights() -> tuple[float, ...]:
    return tuple(
        itertools.accumulate(1.0 / (rank**ZIPF_EXPONENT) for rank in range(1, VOCABULARY_SIZE + 1))
    )


def zipf_words(rng: random.Random, count: int) -> list[str]:
    """Return ``count`` words drawn by Zipf rank: the word of rank r with a probability
    proportional to 1 / r ** ZIPF_EXPONENT."""
    return rng.choices(vocabulary(), cum_weights=_cumulative_weights(), k=count)


def rank_of(word: str) -> int:
    """Return the rank of a vocabulary word (1 for "the"), or 0 for a word not in it."""
    ranks = _ranks()
    return ranks.get(word, 0)


@cache
def _ranks() -> dict[str, int]:
    return {word: index + 1 for index, word in enumerate(vocabulary())}


def zipf_sentence(rng: random.Random) -> str:
    """Return one sentence of Zipf-drawn words: capitalized, perhaps a comma, an end mark."""
    words = zipf_words(rng, rng.randint(4, 20))
    if len(words) > 8 and rng.random() < 0.5:
        cut = rng.randint(3, len(words) - 3)
        words[cut] += ","
    roll = rng.random()
    end = "." if roll < 0.85 else ("?" if roll < 0.95 else "!")
    first = words[0]
    words[0] = "I" if first == "i" else first[0].upper() + first[1:]
    return " ".join("I" if w == "i" else w for w in words) + end


def zipf_paragraph(rng: random.Random) -> str:
    """Return a paragraph of two to seven Zipf-drawn sentences (plain text: letters, spaces,
    commas and end marks only, so its HTML is the text itself inside ``<p>``)."""
    return " ".join(zipf_sentence(rng) for _ in range(rng.randint(2, 7)))
