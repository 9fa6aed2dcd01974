"""Matching a gift exchange: who writes for whom.

Pure functions, no Django: the sign-ups come in as plain data and the assignment goes out as
plain data, so the matching can be tested exhaustively and benchmarked on its own
(bench/matching.py). Behaviour follows AO3's gift exchanges (otwarchive's potential matches):

- Each participant signs up with **requests** (what they would like to receive) and **offers**
  (what they could write), each a prompt naming tags by type (fandom, character, …). A prompt
  that names no tag of a type, or ticks "any" for it, accepts every tag of that type.
- The moderators' **rules** say, for each tag type, how many tags a request and an offer must
  share (0: the type does not count; ``ALL``: every tag of the request must be offered), and
  how many of a recipient's requests a giver's offers must meet (``prompts_required``).
- **Potential matches**: a giver can write for a recipient when enough of the recipient's
  requests are each met by one of the giver's offers; the pair's score is the number of tags
  shared by each met request and its best offer, plus one for each met request.
- **Assignment**: everyone gives once and receives once, never to themselves. The pairing is an
  optimal assignment (SciPy's ``linear_sum_assignment``): first as many participants as possible
  get a giver who can write for them, then the total score is as high as it can be. Those left
  without a potential giver are reported, for the moderators to fill by hand or by a pinch hit.

The score matrix is built with sparse matrix products (one per tag type), a block of
recipients at a time, so 2,500 sign-ups with three requests and three offers each take a few
seconds, not the hours a loop over every pair of prompts would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import linear_sum_assignment

TAG_TYPES = ("fandom", "character", "relationship", "rating", "category", "freeform")
ALL = -1  # a rule's count meaning "every tag the request names" (or every request)

# Recipients scored per block: bounds the memory of the dense blocks (rows × offers).
BLOCK_PROMPTS = 512

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Prompt:
    """One request or offer: tag names by type, and the types it accepts anything of."""

    tags: Mapping[str, frozenset[str]] = field(default_factory=dict)
    any_of: frozenset[str] = frozenset()

    def accepts_any(self, tag_type: str) -> bool:
        return tag_type in self.any_of or not self.tags.get(tag_type)


@dataclass(frozen=True)
class SignUp:
    """A participant's sign-up: ``participant`` is any hashable id (a pseud's id)."""

    participant: int
    requests: Sequence[Prompt]
    offers: Sequence[Prompt]


@dataclass(frozen=True)
class Rules:
    """How much must match. ``required`` maps a tag type to the tags a request and an offer
    must share (types not named count for nothing); ``ALL`` means every tag of the request."""

    required: Mapping[str, int] = field(default_factory=lambda: {"fandom": 1})
    prompts_required: int = 1

    def check(self) -> None:
        """Raise ValueError for rules no sign-up form could have set."""
        unknown = set(self.required) - set(TAG_TYPES)
        if unknown:
            raise ValueError(f"Unknown tag types in the matching rules: {sorted(unknown)}.")
        for tag_type, count in self.required.items():
            if count < ALL:
                raise ValueError(f"The number of {tag_type} tags to match must be 0 or more.")
        if self.prompts_required < ALL or self.prompts_required == 0:
            raise ValueError("The number of prompts to match must be at least 1 (or all).")


@dataclass
class Matching:
    """The result. ``assignments`` maps each giver to their recipient; ``unmatched`` lists the
    recipients no potential giver could be found for (their giver in ``assignments`` is a
    placeholder pairing the moderators must review); ``potential`` holds, for each recipient,
    their potential givers, best first (at most ``POTENTIAL_KEPT``)."""

    assignments: dict[int, int]
    unmatched: list[int]
    scores: dict[tuple[int, int], int]  # (giver, recipient) -> score of the assigned pairs
    potential: dict[int, list[int]]
    potential_pairs: int  # how many (giver, recipient) pairs could match in all


POTENTIAL_KEPT = 20


def _tag_matrix(
    prompts: Sequence[Prompt], tag_type: str, columns: dict[str, int]
) -> sparse.csr_matrix:
    """Return a prompts × tags 0/1 matrix of the prompts' tags of one type."""
    rows, cols = [], []
    for row, prompt in enumerate(prompts):
        for name in prompt.tags.get(tag_type, ()):
            rows.append(row)
            cols.append(columns.setdefault(name, len(columns)))
    data = np.ones(len(rows), dtype=np.int32)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(prompts), max(len(columns), 1)))


def _prompt_table(
    signups: Sequence[SignUp], kind: str
) -> tuple[list[Prompt], npt.NDArray[np.int64]]:
    """Return every request (or offer) of every sign-up, in sign-up order, and the index of
    the sign-up each belongs to."""
    prompts: list[Prompt] = []
    owners: list[int] = []
    for index, signup in enumerate(signups):
        chosen = signup.requests if kind == "requests" else signup.offers
        prompts.extend(chosen)
        owners.extend([index] * len(chosen))
    return prompts, np.asarray(owners, dtype=np.int64)


def _starts(owners: npt.NDArray[np.int64], count: int) -> npt.NDArray[np.int64]:
    """Return where each owner's run begins in ``owners`` (sorted), for reduceat; owners
    with no prompt get the start of the next one (their run is empty)."""
    return np.searchsorted(owners, np.arange(count)).astype(np.int64)


def score_matrix(
    signups: Sequence[SignUp], rules: Rules, progress: Progress | None = None
) -> npt.NDArray[np.int32]:
    """Return the recipients × givers matrix of potential-match scores (0: no match). Row r,
    column g: how well sign-up g's offers meet sign-up r's requests."""
    rules.check()
    n = len(signups)
    requests, request_owner = _prompt_table(signups, "requests")
    offers, offer_owner = _prompt_table(signups, "offers")
    scores = np.zeros((n, n), dtype=np.int32)
    if not requests or not offers:
        return scores
    counted = [t for t in TAG_TYPES if rules.required.get(t, 0) != 0]
    matrices: dict[str, tuple[sparse.csr_matrix, sparse.csr_matrix]] = {}
    any_request: dict[str, npt.NDArray[np.bool_]] = {}
    any_offer: dict[str, npt.NDArray[np.bool_]] = {}
    request_sizes: dict[str, npt.NDArray[np.int64]] = {}
    for tag_type in TAG_TYPES:
        columns: dict[str, int] = {}
        req = _tag_matrix(requests, tag_type, columns)
        off = _tag_matrix(offers, tag_type, columns)
        req = sparse.csr_matrix(req, shape=(len(requests), max(len(columns), 1)))
        off = sparse.csr_matrix(off, shape=(len(offers), max(len(columns), 1)))
        matrices[tag_type] = (req, off.T.tocsc())
        any_request[tag_type] = np.array([p.accepts_any(tag_type) for p in requests])
        any_offer[tag_type] = np.array([p.accepts_any(tag_type) for p in offers])
        request_sizes[tag_type] = np.asarray(req.sum(axis=1)).ravel().astype(np.int64)

    giver_starts = _starts(offer_owner, n)
    giver_has_offers = np.bincount(offer_owner, minlength=n) > 0
    request_counts = np.bincount(request_owner, minlength=n)
    recipient_starts = _starts(request_owner, n)

    # Blocks of whole recipients, about BLOCK_PROMPTS requests each.
    blocks: list[tuple[int, int]] = []
    first = 0
    while first < n:
        last = first
        size = 0
        while last < n and (size == 0 or size + request_counts[last] <= BLOCK_PROMPTS):
            size += int(request_counts[last])
            last += 1
        blocks.append((first, last))
        first = last

    for done, (first, last) in enumerate(blocks):
        lo = int(recipient_starts[first])
        hi = int(recipient_starts[last]) if last < n else len(requests)
        if hi > lo:
            met, shared = _block(
                lo, hi, matrices, any_request, any_offer, request_sizes, counted, rules
            )
            # Best offer of each giver for each request: the score (shared + 1) or 0.
            value = np.where(met, shared + 1, 0).astype(np.int32)
            best = _reduce_columns(value, giver_starts, giver_has_offers)
            # Per recipient: the requests met and their summed scores.
            rows = request_owner[lo:hi] - first
            owner = sparse.csr_matrix(
                (np.ones(hi - lo, dtype=np.int32), (rows, np.arange(hi - lo))),
                shape=(last - first, hi - lo),
            )
            met_count = owner @ (best > 0).astype(np.int32)
            total = owner @ best
            needed = request_counts[first:last].astype(np.int32)
            if rules.prompts_required != ALL:
                needed = np.minimum(needed, rules.prompts_required)
            enough = (met_count >= needed[:, None]) & (needed[:, None] > 0)
            scores[first:last] = np.where(enough, total, 0)
        if progress is not None:
            progress("scoring", done + 1, len(blocks))
    np.fill_diagonal(scores, 0)  # no one gives to themselves
    return scores


def _block(
    lo: int,
    hi: int,
    matrices: dict[str, tuple[sparse.csr_matrix, sparse.csc_matrix]],
    any_request: dict[str, npt.NDArray[np.bool_]],
    any_offer: dict[str, npt.NDArray[np.bool_]],
    request_sizes: dict[str, npt.NDArray[np.int64]],
    counted: list[str],
    rules: Rules,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int32]]:
    """For requests lo..hi against every offer: whether each pair meets the rules, and how
    many tags it shares (of every type)."""
    met: npt.NDArray[np.bool_] | None = None
    shared: npt.NDArray[np.int32] | None = None
    for tag_type, (req, off_t) in matrices.items():
        overlap = (req[lo:hi] @ off_t).toarray().astype(np.int32)
        shared = overlap if shared is None else shared + overlap
        if tag_type not in counted:
            continue
        count = rules.required[tag_type]
        sizes = request_sizes[tag_type][lo:hi]
        need = sizes if count == ALL else np.minimum(sizes, count)
        ok = overlap >= need[:, None]
        ok |= any_request[tag_type][lo:hi, None]
        ok |= any_offer[tag_type][None, :]
        met = ok if met is None else met & ok
    assert shared is not None
    if met is None:  # no type counts: every request meets every offer
        met = np.ones(shared.shape, dtype=np.bool_)
    return met, shared


def _reduce_columns(
    value: npt.NDArray[np.int32],
    starts: npt.NDArray[np.int64],
    has_offers: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int32]:
    """Return, per row, the maximum over each giver's run of offer columns (0 for givers
    without offers). The runs of givers with offers start at strictly increasing columns,
    the last running to the end, which is what reduceat needs."""
    best = np.zeros((value.shape[0], len(starts)), dtype=np.int32)
    best[:, has_offers] = np.maximum.reduceat(value, starts[has_offers], axis=1)
    return best


def match(signups: Sequence[SignUp], rules: Rules, progress: Progress | None = None) -> Matching:
    """Assign each participant a recipient: see the module doc. Participants must be
    distinct."""
    ids = [s.participant for s in signups]
    if len(set(ids)) != len(ids):
        raise ValueError("A participant signed up twice: each may have one sign-up.")
    n = len(signups)
    if n < 2:
        raise ValueError("A gift exchange needs at least two sign-ups to match.")
    scores = score_matrix(signups, rules, progress)
    if progress is not None:
        progress("assigning", 0, 1)
    top = int(scores.max())
    # A pair that cannot match costs more than every possible score together: the solver
    # first leaves as few recipients as it can without a match, then maximises the score.
    penalty = (top + 1) * n + 1
    cost = np.where(scores > 0, -scores.astype(np.int64), penalty)
    # Never to themselves: dearer than any assignment that gives to no one of themselves.
    np.fill_diagonal(cost, penalty * (n + 1))
    recipients, givers = linear_sum_assignment(cost)
    assignments: dict[int, int] = {}
    assigned_scores: dict[tuple[int, int], int] = {}
    unmatched: list[int] = []
    for recipient, giver in zip(recipients.tolist(), givers.tolist(), strict=True):
        assignments[ids[giver]] = ids[recipient]
        if scores[recipient, giver] > 0:
            assigned_scores[(ids[giver], ids[recipient])] = int(scores[recipient, giver])
        else:
            unmatched.append(ids[recipient])
    potential: dict[int, list[int]] = {}
    for recipient in range(n):
        row = scores[recipient]
        candidates = np.flatnonzero(row)
        order = candidates[np.argsort(-row[candidates], kind="stable")][:POTENTIAL_KEPT]
        potential[ids[recipient]] = [ids[g] for g in order.tolist()]
    if progress is not None:
        progress("assigning", 1, 1)
    return Matching(
        assignments=assignments,
        unmatched=sorted(unmatched),
        scores=assigned_scores,
        potential=potential,
        potential_pairs=int(np.count_nonzero(scores)),
    )
