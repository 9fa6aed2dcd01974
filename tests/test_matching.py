"""The gift exchange's matching (challenges/matching.py): the rules as AO3 has them, and the
assignment checked against a plain reference (every pair of prompts compared in Python, every
permutation tried) on many small random exchanges."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ficarchive.challenges.matching import (
    ALL,
    TAG_TYPES,
    Prompt,
    Rules,
    SignUp,
    match,
    score_matrix,
)


def prompt(any_of: Sequence[str] = (), **tags: Sequence[str]) -> Prompt:
    return Prompt(tags={k: frozenset(v) for k, v in tags.items()}, any_of=frozenset(any_of))


def test_it_pairs_a_ring_by_fandom() -> None:
    signups = [
        SignUp(1, [prompt(fandom=["Bebop"])], [prompt(fandom=["Trigun"])]),
        SignUp(2, [prompt(fandom=["Trigun"])], [prompt(fandom=["Monkey"])]),
        SignUp(3, [prompt(fandom=["Monkey"])], [prompt(fandom=["Bebop"])]),
    ]
    result = match(signups, Rules({"fandom": 1}))
    assert result.assignments == {3: 1, 1: 2, 2: 3}
    assert result.unmatched == []
    assert result.potential == {1: [3], 2: [1], 3: [2]}


def test_rules_count_shared_tags_per_type() -> None:
    request = prompt(fandom=["Bebop"], character=["Faye", "Spike"])
    one = prompt(fandom=["Bebop"], character=["Faye"])
    both = prompt(fandom=["Bebop"], character=["Faye", "Spike", "Jet"])
    other = prompt(fandom=["Trigun"], character=["Faye"])

    def can(offer: Prompt, rules: Rules) -> bool:
        signups = [SignUp(1, [request], []), SignUp(2, [], [offer])]
        return bool(score_matrix(signups, rules)[0, 1])

    assert can(one, Rules({"fandom": 1, "character": 1}))
    assert not can(one, Rules({"fandom": 1, "character": 2}))
    assert not can(one, Rules({"fandom": 1, "character": ALL}))
    assert can(both, Rules({"fandom": 1, "character": ALL}))
    assert not can(other, Rules({"fandom": 1, "character": 1}))
    assert can(other, Rules({"character": 1}))  # fandom not counted
    assert can(other, Rules({}))  # nothing counted: everyone can write for everyone
    # A request naming fewer tags than the rule asks needs only those it names.
    assert can(one, Rules({"character": 3})) is False
    assert can(both, Rules({"character": 3}))


def test_any_and_blank_accept_every_tag_of_their_type() -> None:
    request = prompt(fandom=["Bebop"], character=["Faye"])
    signups = [
        SignUp(1, [request], []),
        SignUp(2, [], [prompt(["character"], fandom=["Bebop"])]),  # any character
        SignUp(3, [], [prompt(fandom=["Bebop"])]),  # names no character: blank
        SignUp(4, [], [prompt(["character"], fandom=["Trigun"])]),
    ]
    scores = score_matrix(signups, Rules({"fandom": 1, "character": 1}))
    assert scores[0, 1] and scores[0, 2] and not scores[0, 3]


def test_prompts_required_counts_the_requests_met() -> None:
    requests = [prompt(fandom=["A"]), prompt(fandom=["B"]), prompt(fandom=["C"])]
    offers_two = [prompt(fandom=["A"]), prompt(fandom=["B"])]
    signups = [SignUp(1, requests, []), SignUp(2, [], offers_two)]
    assert score_matrix(signups, Rules({"fandom": 1}, prompts_required=2))[0, 1] > 0
    assert score_matrix(signups, Rules({"fandom": 1}, prompts_required=3))[0, 1] == 0
    assert score_matrix(signups, Rules({"fandom": 1}, prompts_required=ALL))[0, 1] == 0


def test_more_shared_tags_score_higher_and_win() -> None:
    request = prompt(fandom=["Bebop"], character=["Faye", "Spike"], freeform=["Rain"])
    signups = [
        SignUp(1, [request], [prompt(fandom=["X"])]),
        SignUp(2, [prompt(fandom=["X"])], [prompt(fandom=["Bebop"], character=["Faye"])]),
        SignUp(
            3,
            [prompt(fandom=["X"])],
            [prompt(fandom=["Bebop"], character=["Faye", "Spike"], freeform=["Rain"])],
        ),
    ]
    scores = score_matrix(signups, Rules({"fandom": 1}))
    assert scores[0, 2] > scores[0, 1] > 0
    assert match(signups, Rules({"fandom": 1})).assignments[3] == 1


def test_no_one_gives_to_themselves_and_the_unmatchable_are_named() -> None:
    signups = [
        SignUp(1, [prompt(fandom=["A"])], [prompt(fandom=["A"])]),
        SignUp(2, [prompt(fandom=["Z"])], [prompt(fandom=["A"])]),
        SignUp(3, [prompt(fandom=["A"])], [prompt(fandom=["B"])]),
    ]
    result = match(signups, Rules({"fandom": 1}))
    assert all(giver != recipient for giver, recipient in result.assignments.items())
    assert sorted(result.assignments) == [1, 2, 3]
    assert sorted(result.assignments.values()) == [1, 2, 3]
    assert result.unmatched == [2]  # nobody offers Z
    assert 2 not in {recipient for _, recipient in result.scores}


def test_bad_rules_and_sign_ups_are_refused_with_a_message() -> None:
    one = SignUp(1, [prompt(fandom=["A"])], [prompt(fandom=["A"])])
    with pytest.raises(ValueError, match="at least two"):
        match([one], Rules())
    with pytest.raises(ValueError, match="twice"):
        match([one, one], Rules())
    with pytest.raises(ValueError, match="Unknown tag types"):
        match([one, SignUp(2, [], [])], Rules({"colour": 1}))
    with pytest.raises(ValueError, match="prompts"):
        match([one, SignUp(2, [], [])], Rules(prompts_required=0))


def test_sign_ups_without_prompts_still_get_a_place() -> None:
    signups = [SignUp(1, [], []), SignUp(2, [prompt(fandom=["A"])], []), SignUp(3, [], [])]
    result = match(signups, Rules())
    assert sorted(result.assignments.values()) == [1, 2, 3]
    assert result.unmatched == [1, 2, 3]


# --- against a reference -----------------------------------------------------------------


def reference_scores(signups: Sequence[SignUp], rules: Rules) -> dict[tuple[int, int], int]:
    """(recipient index, giver index) -> score, by comparing every pair of prompts."""

    def meets(request: Prompt, offer: Prompt) -> bool:
        for tag_type, count in rules.required.items():
            if count == 0 or request.accepts_any(tag_type) or offer.accepts_any(tag_type):
                continue
            wanted = request.tags.get(tag_type, frozenset())
            need = len(wanted) if count == ALL else min(len(wanted), count)
            if len(wanted & offer.tags.get(tag_type, frozenset())) < need:
                return False
        return True

    def shared(request: Prompt, offer: Prompt) -> int:
        return sum(
            len(request.tags.get(t, frozenset()) & offer.tags.get(t, frozenset()))
            for t in TAG_TYPES
        )

    found = {}
    for r, recipient in enumerate(signups):
        for g, giver in enumerate(signups):
            if r == g or not recipient.requests:
                continue
            best = [
                max((shared(q, o) + 1 for o in giver.offers if meets(q, o)), default=0)
                for q in recipient.requests
            ]
            needed = len(best)
            if rules.prompts_required != ALL:
                needed = min(needed, rules.prompts_required)
            if sum(1 for b in best if b) >= needed:
                found[(r, g)] = sum(best)
    return found


TAGS = {"fandom": ["A", "B", "C"], "character": ["x", "y", "z"], "freeform": ["f", "g"]}


@st.composite
def prompts(draw: st.DrawFn) -> Prompt:
    tags = {
        tag_type: frozenset(draw(st.lists(st.sampled_from(names), max_size=2)))
        for tag_type, names in TAGS.items()
    }
    any_of = frozenset(draw(st.lists(st.sampled_from(list(TAGS)), max_size=1)))
    return Prompt(tags=tags, any_of=any_of)


@st.composite
def exchanges(draw: st.DrawFn) -> tuple[list[SignUp], Rules]:
    size = draw(st.integers(2, 6))
    signups = [
        SignUp(
            i + 10,
            draw(st.lists(prompts(), min_size=0, max_size=2)),
            draw(st.lists(prompts(), min_size=0, max_size=2)),
        )
        for i in range(size)
    ]
    required = {t: draw(st.sampled_from([0, 1, 2, ALL])) for t in TAGS}
    return signups, Rules(required, prompts_required=draw(st.sampled_from([1, 2, ALL])))


@settings(max_examples=300, deadline=None)
@given(exchanges())
def test_it_agrees_with_the_reference_and_is_optimal(exchange: tuple[list[SignUp], Rules]) -> None:
    signups, rules = exchange
    expected = reference_scores(signups, rules)
    scores = score_matrix(signups, rules)
    got = {(r, g): int(scores[r, g]) for r, g in zip(*scores.nonzero(), strict=True)}
    assert got == expected

    result = match(signups, rules)
    index = {s.participant: i for i, s in enumerate(signups)}
    pairs = [(index[r], index[g]) for g, r in result.assignments.items()]
    assert sorted(r for r, _ in pairs) == list(range(len(signups)))
    assert all(r != g for r, g in pairs)

    def value(assignment: list[tuple[int, int]]) -> tuple[int, int]:
        return (
            sum(1 for p in assignment if p in expected),
            sum(expected.get(p, 0) for p in assignment),
        )

    best = max(
        value(list(zip(range(len(signups)), perm, strict=True)))
        for perm in itertools.permutations(range(len(signups)))
        if all(r != g for r, g in enumerate(perm))
    )
    assert value(pairs) == best
    assert len(result.unmatched) == len(signups) - best[0]
