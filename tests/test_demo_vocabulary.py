"""The demo's natural vocabulary: deterministic, and shaped like real fiction's (a few words
everywhere, tens of thousands rarely)."""

from __future__ import annotations

import random
from collections import Counter

from ficarchive.demo import vocabulary
from ficarchive.text import render_text


def sample(seed: int, count: int) -> list[str]:
    return vocabulary.zipf_words(random.Random(seed), count)


def test_it_is_the_same_vocabulary_and_text_every_time() -> None:
    words = vocabulary.vocabulary()
    assert len(words) == vocabulary.VOCABULARY_SIZE == len(set(words))
    assert words[:5] == ("the", "and", "to", "a", "of")
    assert all(w.isalpha() and w.islower() for w in words)
    # Invented words are pronounceable and grow longer with the rank, as real words do.
    assert sum(len(w) for w in words[1_000:2_000]) < sum(len(w) for w in words[-1_000:])
    assert vocabulary.rank_of("the") == 1 and vocabulary.rank_of(words[-1]) == len(words)
    assert vocabulary.rank_of("zzzz-not-a-word") == 0
    first = [vocabulary.zipf_paragraph(random.Random(7)) for _ in range(3)]
    again = [vocabulary.zipf_paragraph(random.Random(7)) for _ in range(3)]
    assert first == again
    assert vocabulary.zipf_paragraph(random.Random(8)) != first[0]


def test_head_words_are_everywhere_and_tail_words_rare() -> None:
    words = sample(1, 200_000)
    counts = Counter(words)
    ranks = vocabulary.vocabulary()
    # Zipf with exponent 1: rank 1 is about ten times rank 10 and a hundred times rank 100.
    assert 6 < counts[ranks[0]] / counts[ranks[9]] < 15
    assert 50 < counts[ranks[0]] / max(1, counts[ranks[99]]) < 200
    # The hundred most frequent words are about half of all text.
    assert 0.4 < sum(counts[w] for w in ranks[:100]) / len(words) < 0.65
    # Tens of thousands of distinct words, most of them rare: the tail's words appear a few
    # times each in 200,000 words, many not at all.
    assert len(counts) > 15_000
    tail = [counts[w] for w in ranks[20_000:]]
    assert max(tail) < 15
    assert sum(1 for c in tail if c == 0) > 1_000


def test_paragraphs_are_sentences_the_pipeline_keeps_as_they_are() -> None:
    rng = random.Random(3)
    for _ in range(50):
        paragraph = vocabulary.zipf_paragraph(rng)
        assert paragraph[0].isupper() and paragraph[-1] in ".?!"
        assert set(paragraph) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ,.?!")
        html = render_text(f"<p>{paragraph}</p>", "html", paragraph_ids=False).html
        assert html.strip() == f"<p>{paragraph}</p>"
