"""Suggest character names from story text: capitalized words that are not sentence starts.

A capitalized word in the middle of a sentence is most likely a name. Words are counted
only when they appear capitalized mid-sentence at least ``min_mid_sentence`` times, are not
common capitalized words (pronoun I, days, titles...) and are not more often written in lower
case in the same text (``Gray``/``gray``). Names are ordered by how often they occur anywhere,
sentence starts included.

A name is not split: two capitalized words written together are one name when either of them
hardly occurs without the other (``Spike Spiegel``, though ``Spike`` alone is common: never
``Spiegel``). Places are not characters: well-known ones (``Earth``, ``Mars``, ``London``) and
words that mostly follow "in", "on", "into"... (``on Ganymede``) are left out.
"""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:['\u2019-][A-Za-z\u00c0-\u024f]+)*")
_POSSESSIVE = re.compile(r"['\u2019]s$", re.IGNORECASE)
_SENTENCE_END = frozenset(".!?\u2026:;")
_CLOSING_QUOTES = frozenset("\"'\u201d\u2019)]")
_OPENING = frozenset("\"'\u201c\u2018([*_-\u2014\u2013")

# Capitalized words that are not names (or not characters) even in mid-sentence.
_COMMON_CAPITALIZED_WORDS = """
    I I'm I've I'd I'll Im Ive Id Ill A An The And But Or If So Oh Ah Eh Hm Hmm Um Uh Ok Okay
    OK Yes No Yeah Nope Well Mr Mrs Ms Miss Mister Dr Doctor Sir Madam Lady Lord Master Captain
    Professor Aunt Uncle Mom Mum Dad Mother Father Grandma Grandpa God Gods Hell Heaven
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December Christmas Chapter Prologue Epilogue
    Part Author Note Notes Disclaimer English TV
"""
COMMON_CAPITALIZED: frozenset[str] = frozenset(_COMMON_CAPITALIZED_WORDS.split())

# Places stories name often: never suggested as characters.
_PLACES = """
    Earth Mars Venus Mercury Jupiter Saturn Uranus Neptune Pluto Moon Sun Io Europa Ganymede
    Titan Callisto Milky Way Africa America Americas Antarctica Asia Australia Europe Arctic
    Atlantic Pacific England Scotland Wales Ireland Britain France Germany Italy Spain Japan
    China Korea India Russia Canada Mexico Brazil Egypt London Paris Tokyo Berlin Rome Moscow
    Seoul Beijing York Chicago Boston California Texas Hogwarts Hogsmeade Narnia Gotham
    Metropolis Konoha Asgard Midgard Mordor Gondor Rivendell Shire Westeros Tatooine
"""
PLACES: frozenset[str] = frozenset(_PLACES.split())
# Words before a place ("on Ganymede", "into Tharsis"); not "to", "at" or "from", which come
# before people as often ("said to Faye", "looked at Julia").
_PLACE_PREPOSITIONS = frozenset(
    [
        "in",
        "on",
        "into",
        "onto",
        "across",
        "near",
        "around",
        "throughout",
        "within",
        "inside",
        "outside",
    ]
)
_WORD_BEFORE = re.compile(r"([A-Za-z]+)[ \t\u00a0]+$")


def _is_sentence_start(text: str, start: int) -> bool:
    """Return True when the word at ``start`` begins a sentence (or a quotation)."""
    index = start - 1
    if index >= 0 and text[index] in _OPENING:
        return True
    while index >= 0 and text[index] in " \t\u00a0":
        index -= 1
    if index < 0 or text[index] == "\n":
        return True
    char = text[index]
    if char in _SENTENCE_END:
        return True
    if char in _CLOSING_QUOTES:
        return index > 0 and text[index - 1] in _SENTENCE_END
    return False


def suggest_character_names(text: str, *, limit: int = 10, min_mid_sentence: int = 2) -> list[str]:
    """Return up to ``limit`` likely character names in ``text``, most frequent first.

    Two capitalized words that nearly always occur together (``Old Wen``) are one name.
    """
    total: Counter[str] = Counter()
    mid_sentence: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    after_preposition: Counter[str] = Counter()  # mid-sentence uses that follow "in", "on"...
    previous: tuple[str, int] | None = None  # the last capitalized word and where it ended
    for match in _WORD.finditer(text):
        word = _POSSESSIVE.sub("", match.group())
        if len(word) < 2:
            previous = None
            continue
        if not word[0].isupper():
            lower[word] += 1
            previous = None
            continue
        if word.isupper():
            previous = None
            continue  # SHOUTING or an acronym
        total[word] += 1
        if not _is_sentence_start(text, match.start()):
            mid_sentence[word] += 1
            if previous is not None and text[previous[1] : match.start()] == " ":
                pairs[previous[0], word] += 1
            before = _WORD_BEFORE.search(text, max(0, match.start() - 20), match.start())
            # "on Faye's shoulder" is about Faye, not a place: possessives do not count.
            if before and before.group(1).lower() in _PLACE_PREPOSITIONS and match.group() == word:
                after_preposition[word] += 1
        previous = (word, match.end()) if match.group() == word else None

    def is_place(word: str) -> bool:
        return word in PLACES or after_preposition[word] * 2 >= mid_sentence[word] > 0

    def is_name(word: str) -> bool:
        return (
            mid_sentence[word] >= min_mid_sentence
            and word not in COMMON_CAPITALIZED
            and not is_place(word)
            and lower[word.lower()] < mid_sentence[word]
        )

    counts: dict[str, int] = {}
    joined: set[str] = set()  # words counted in a two-word name
    for (first, second), together in sorted(pairs.items(), key=lambda item: -item[1]):
        if together < min_mid_sentence or first in joined or second in joined:
            continue
        if not (is_name(first) or is_name(second)) or is_place(first) or is_place(second):
            continue
        if together * 4 >= total[first] * 3 or together * 4 >= total[second] * 3:
            # One of the words hardly occurs without the other: the two are one name, and
            # every use of either word on its own is that person too ("Spike" for
            # "Spike Spiegel").
            counts[f"{first} {second}"] = total[first] + total[second] - together
            joined.update((first, second))
    for word in mid_sentence:
        if word not in joined and is_name(word) and total[word] >= min_mid_sentence:
            counts[word] = total[word]
    names = sorted(counts, key=lambda name: (-counts[name], name))
    return names[:limit]
