"""Invented fandoms and AO3-shaped distributions that plan each demo work (no Django here).

The figures follow AO3's public data (see "Real figures for realistic data" in the design):
fandom and tag use heavily skewed (Zipf-like), a median of about 15 tags per work, about nine
works in ten under 25,000 words (log-normal word counts), most works one chapter long, ratings,
warnings and categories in roughly the proportions AO3 shows. `plan_work` draws one work's
plan from a `random.Random`, so a seed always gives the same plans.

The rating, warning and category names here must match the archive's own
(`works.models.Rating`, `tags.models.ARCHIVE_WARNINGS`, `tags.models.CATEGORIES`); the tests
check that they do.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from ficarchive.demo.prose import Character, Format, Setting

T = TypeVar("T")

# --- Archive constants (mirrored from the Django models; the tests compare them) ------------

RATING_WEIGHTS: dict[str, float] = {
    "general": 0.22,
    "teen": 0.29,
    "mature": 0.14,
    "explicit": 0.22,
    "not-rated": 0.13,
}
NO_WARNINGS = "No Archive Warnings Apply"
CHOSE_NOT_TO_WARN = "Creator Chose Not To Use Archive Warnings"
# The specific warnings, with how often each is chosen when a work carries one.
SPECIFIC_WARNINGS: dict[str, float] = {
    "Graphic Depictions Of Violence": 0.55,
    "Major Character Death": 0.30,
    "Rape/Non-Con": 0.10,
    "Underage Sex": 0.05,
}
CATEGORY_WEIGHTS: dict[str, float] = {
    "M/M": 0.40,
    "F/M": 0.20,
    "Gen": 0.21,
    "F/F": 0.09,
    "Multi": 0.06,
    "Other": 0.04,
}
TEXT_FORMAT_WEIGHTS: dict[Format, float] = {"html": 0.7, "text": 0.2, "markdown": 0.1}

# --- Shape parameters ---------------------------------------------------------------------------

WORDS_MEDIAN = 3_500  # median words of a work
WORDS_SIGMA = 1.35  # log-normal spread: about 92% of works come out under 25,000 words
WORDS_MIN = 100  # a drabble
DEFAULT_MAX_WORDS = 60_000  # the demo cuts the long tail so that it stays quick
MAX_CHAPTERS = 20
DAYS_SPAN = 730  # works are published over the past two years
DRAFT_SHARE = 0.03
RESTRICTED_SHARE = 0.12
CROSSOVER_SHARE = 0.04


@dataclass(frozen=True)
class Fandom:
    """An invented fandom: its tag name, characters (most popular first), setting, and the
    freeform tags its writers use."""

    name: str
    characters: tuple[Character, ...]
    setting: Setting
    freeforms: tuple[str, ...]


def _c(name: str, pronoun: str, short: str = "") -> Character:
    first = name.split()[0]
    return Character(name=name, short=short or first, pronoun=pronoun)  # type: ignore[arg-type]


def _oc(name: str, pronoun: str) -> Character:
    return Character(
        name=name,
        short=name.split()[0],
        pronoun=pronoun,  # type: ignore[arg-type]
        tag=f"{name} (Original Character)",
    )


# Most popular first: fandom popularity follows this order (Zipf weights).
FANDOMS: tuple[Fandom, ...] = (
    Fandom(
        "Starfall Academy (TV)",
        (
            _c("Juno Park", "she"),
            _c("Ezra Castellanos", "he"),
            _c("Priya Raman", "she"),
            _c("Kit Adeyemi", "they"),
            _c("Elias Hale", "he", "Hale"),
            _c("Lio Marsh", "he"),
            _c("Nadia Sorensen", "she"),
            _c("Theo Whitlock", "he"),
            _c("Rhea Lindgren", "she"),
            _c("Vance Corrigan", "he", "Corrigan"),
        ),
        Setting(
            places=(
                "the observation lounge",
                "the simulator bay",
                "the mess hall",
                "the dormitory corridor",
                "the hangar",
                "the medbay",
                "the hydroponics garden",
                "the captain's ready room",
            ),
            things=(
                "the flight log",
                "the cracked datapad",
                "the training sabre",
                "the contraband thermos",
                "the captain's pin",
                "the star chart",
                "the distress beacon",
            ),
            group="the Academy",
        ),
        ("Starfall Academy Cadets", "Post-Season 3", "Flight Simulators", "Zero Gravity"),
    ),
    Fandom(
        "The Lantern Court Series - Ilse Marrow",
        (
            _c("Wren Halloway", "she"),
            _c("Cassian Vale", "he"),
            _c("Tamsin Ashgrove", "she"),
            _c("Oriel Marchetti", "he"),
            _c("Sable", "they"),
            _c("Ysolde Fenn", "she"),
            _c("Bram Okonkwo", "he"),
            _c("Imogen Thorne", "she"),
            _c("Perrin Dusk", "he"),
        ),
        Setting(
            places=(
                "the lantern market",
                "the west tower",
                "the Court's library",
                "the river gate",
                "the glasshouse",
                "the throne room",
                "the servants' kitchen",
                "the bridge-keeper's lodge",
            ),
            things=(
                "the signet ring",
                "the sealed letter",
                "the court ledger",
                "the paper lantern",
                "the cipher wheel",
                "the silver knife",
                "the queen's seal",
            ),
            group="the Court",
        ),
        ("Court Intrigue", "Lantern Festival", "Assassins", "Magic"),
    ),
    Fandom(
        "Hollowmere Investigations (TV)",
        (
            _c("Iris Calloway", "she"),
            _c("Sam Delacroix", "he"),
            _c("Felix Amari", "he"),
            _c("Rosa Lindqvist", "she"),
            _c("Marlowe Quint", "they"),
            _c("Hugo Bellweather", "he"),
            _c("June Adebayo", "she"),
            _c("Dana Whitfield", "she", "Whitfield"),
        ),
        Setting(
            places=(
                "the interview room",
                "the evidence locker",
                "the all-night diner",
                "the harbor bar",
                "the coroner's office",
                "the parking garage",
                "the squad room",
            ),
            things=(
                "the case file",
                "the unmarked envelope",
                "the old voicemail",
                "the evidence bag",
                "the burner phone",
                "the missing photograph",
                "the coffee-stained notebook",
            ),
            group="the department",
        ),
        ("Case Fic", "Police Procedural", "Stakeouts", "Cold Case"),
    ),
    Fandom(
        "Moth & Meridian (Comics)",
        (
            _c("Nell Brightwater", "she"),
            _c("Adrian Meridian", "he"),
            _c("Dex Kowalski", "he"),
            _c("Vivian Sato", "she"),
            _c("Rook Adair", "they"),
            _c("Gideon Pike", "he"),
            _c("Lucia Ferrante", "she"),
            _c("Owen Blake", "he"),
        ),
        Setting(
            places=(
                "the old theater",
                "the safehouse",
                "the newsroom",
                "the clock tower",
                "the subway tunnels",
                "the League's headquarters",
                "the corner bodega",
            ),
            things=(
                "the cowl",
                "the police scanner",
                "the grappling line",
                "the stolen schematics",
                "the first-aid kit",
                "the mask",
                "the League communicator",
            ),
            group="the League",
        ),
        ("Secret Identity", "Superheroes", "Identity Reveal", "Night Patrol"),
    ),
    Fandom(
        "Saltwind (Video Game)",
        (
            _c("Mara Quill", "she"),
            _c("Finn Alder", "he"),
            _c("Odette Rook", "she"),
            _c("Jory Flint", "he"),
            _c("Ash Merriweather", "they"),
            _c("Sunny Baptiste", "she"),
            _c("Silas Crane", "he"),
            _c("Bex Tolliver", "she"),
        ),
        Setting(
            places=(
                "the chart room",
                "the galley",
                "the crow's nest",
                "the harbor tavern",
                "the captain's cabin",
                "the smugglers' cove",
                "the lighthouse",
            ),
            things=(
                "the brass compass",
                "the treasure map",
                "the captain's log",
                "the spyglass",
                "the letter of marque",
                "the ship's bell",
                "the cursed coin",
            ),
            group="the crew",
        ),
        ("Pirates", "Sailing", "Player Character", "Sea Monsters"),
    ),
    Fandom(
        "Ironbloom (Video Game)",
        (
            _c("Vera Kessler", "she"),
            _c("Tobias Reyes", "he"),
            _c("Lark", "they"),
            _c("Anselm Grey", "he"),
            _c("Dottie Finch", "she"),
            _c("Mae Okoro", "she"),
            _c("Cole Hartigan", "he"),
            _c("Petra Vasquez", "she"),
        ),
        Setting(
            places=(
                "the greenhouse",
                "the watchtower",
                "the old rail yard",
                "the seed vault",
                "the infirmary",
                "the gatehouse",
                "the flooded library",
            ),
            things=(
                "the seed packet",
                "the radio",
                "the water filter",
                "the map of the wastes",
                "the pressed flower",
                "the generator key",
            ),
            group="the settlement",
        ),
        ("Post-Apocalypse", "Survival", "Gardening", "Scavenging"),
    ),
    Fandom(
        "Original Work",
        (
            _oc("Noor Haddad", "she"),
            _oc("Callum Reid", "he"),
            _oc("Aiko Brandt", "she"),
            _oc("Mateo Silva", "he"),
            _oc("River Kline", "they"),
            _oc("Greta Holm", "she"),
            _oc("Desmond Achebe", "he"),
        ),
        Setting(
            places=(
                "the bookshop",
                "the laundromat",
                "the bus shelter",
                "the rooftop garden",
                "the night market",
                "the tiny flat upstairs",
            ),
            things=(
                "the spare key",
                "the library book",
                "the mixtape",
                "the umbrella",
                "the postcard",
                "the borrowed jacket",
            ),
            group="the neighbors",
        ),
        ("Original Fiction", "Urban Fantasy", "Contemporary", "Short Story"),
    ),
    Fandom(
        "The Orchard House - Margarethe Lind",
        (
            _c("Clementine Hart", "she"),
            _c("Augustin Hart", "he"),
            _c("Bea Hart", "she"),
            _c("Walter Sloane", "he"),
            _c("Frankie Hart", "they"),
            _c("Hazel Moreau", "she"),
            _c("Jonah Quinn", "he"),
        ),
        Setting(
            places=(
                "the orchard",
                "the kitchen",
                "the attic",
                "the sunroom",
                "the village church",
                "the train station",
                "the boathouse",
            ),
            things=(
                "the old photograph",
                "the piano",
                "the inheritance letter",
                "the jar of preserves",
                "the pocket watch",
                "the diary",
                "the house keys",
            ),
            group="the family",
        ),
        ("Family Drama", "Period-Typical Attitudes", "Summer", "Inheritance"),
    ),
)

# Freeform tags, most used first (their popularity follows Zipf weights in this order).
FREEFORMS: tuple[str, ...] = (
    "Fluff",
    "Angst",
    "Hurt/Comfort",
    "Romance",
    "Friendship",
    "Humor",
    "Established Relationship",
    "Alternate Universe - Modern Setting",
    "Slow Burn",
    "Angst with a Happy Ending",
    "Found Family",
    "Fluff and Angst",
    "Emotional Hurt/Comfort",
    "Getting Together",
    "Pining",
    "Mutual Pining",
    "Canon Compliant",
    "Canon Divergence",
    "Post-Canon",
    "Friends to Lovers",
    "Enemies to Lovers",
    "Happy Ending",
    "Domestic Fluff",
    "Character Study",
    "Introspection",
    "First Kiss",
    "Missing Scene",
    "Fix-It",
    "Hurt No Comfort",
    "Tenderness",
    "Banter",
    "Misunderstandings",
    "Nightmares",
    "Insomnia",
    "Grief/Mourning",
    "Minor Character Death",
    "Implied/Referenced Character Death",
    "Whump",
    "Sick Fic",
    "Soulmates",
    "Alternate Universe - Soulmates",
    "Alternate Universe - Coffee Shops & Cafés",
    "Alternate Universe - College/University",
    "Fake/Pretend Relationship",
    "Only One Bed",
    "Time Travel",
    "Road Trip",
    "Holidays",
    "Rain",
    "Cooking",
    "Letters",
    "Epistolary",
    "Secret Relationship",
    "Jealousy",
    "Trust Issues",
    "Team as Family",
    "Protectiveness",
    "Eventual Happy Ending",
    "Open Ending",
    "One Shot",
    "Oneshot",
    "Not Beta Read",
    "Tags May Change",
    "I'm Bad At Tagging",
    "Self-Indulgent",
    "Crack Treated Seriously",
    "Pre-Slash",
    "Slice of Life",
)
# Tags that only make sense when the work has a romantic relationship.
ROMANCE_FREEFORMS = frozenset(
    {
        "Romance",
        "Established Relationship",
        "Slow Burn",
        "Getting Together",
        "Pining",
        "Mutual Pining",
        "Friends to Lovers",
        "Enemies to Lovers",
        "First Kiss",
        "Soulmates",
        "Alternate Universe - Soulmates",
        "Fake/Pretend Relationship",
        "Only One Bed",
        "Secret Relationship",
        "Jealousy",
        "Pre-Slash",
    }
)
# Tags that only make sense on a single-chapter work.
ONE_SHOT_FREEFORMS = frozenset({"One Shot", "Oneshot"})
CHARACTER_FREEFORMS = ("Protective {name}", "{name} Needs a Hug", "{name}-centric")


@dataclass
class WorkPlan:
    """Everything `build` needs to post one work, except its text (which `prose` writes).

    `cast` is who the prose is about (tagged characters first; the first two carry most scenes);
    `chapter_words` holds the target words of each posted chapter, `draft_chapter_words` those of
    an unposted next chapter (or 0); `chapter_days` how many days after the first chapter each
    posted chapter went up; `age_days` how long ago the work was first published (or, for a
    draft, created)."""

    fandoms: list[str]
    setting: Setting
    cast: list[Character]
    rating: str
    warnings: list[str]
    categories: list[str]
    relationships: list[str]
    characters: list[str]
    freeforms: list[str]
    romance: bool
    chapter_words: list[int]
    expected_chapters: int | None
    complete: bool
    draft: bool
    restricted: bool
    text_format: Format
    age_days: float
    chapter_days: list[float] = field(default_factory=list)
    draft_chapter_words: int = 0

    @property
    def words(self) -> int:
        """Return the planned words of the posted chapters."""
        return sum(self.chapter_words)

    @property
    def tag_count(self) -> int:
        """Return how many tags the work carries (fandoms, warnings, categories, relationships,
        characters and freeforms; AO3 also counts the rating, which is a field here)."""
        return (
            len(self.fandoms)
            + len(self.warnings)
            + len(self.categories)
            + len(self.relationships)
            + len(self.characters)
            + len(self.freeforms)
        )


# --- Random helpers -----------------------------------------------------------------------------


def zipf_weights(n: int, exponent: float = 1.0) -> list[float]:
    """Return n Zipf weights (1, 1/2^s, 1/3^s, ...): the first item is the most popular."""
    return [1 / (rank**exponent) for rank in range(1, n + 1)]


def weighted_choice(rng: random.Random, weights: dict[str, float]) -> str:
    """Return one key of `weights`, chosen in proportion to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def weighted_sample(
    rng: random.Random, items: Sequence[T], weights: Sequence[float], k: int
) -> list[T]:
    """Return up to k distinct items, each draw in proportion to the remaining weights."""
    pool = list(zip(items, weights, strict=True))
    chosen: list[T] = []
    while pool and len(chosen) < k:
        index = rng.choices(range(len(pool)), weights=[w for _, w in pool])[0]
        chosen.append(pool.pop(index)[0])
    return chosen


def pick_fandom(rng: random.Random) -> Fandom:
    """Return a fandom, the popular ones far more often (Zipf, exponent 1)."""
    return rng.choices(FANDOMS, weights=zipf_weights(len(FANDOMS)))[0]


def word_count(rng: random.Random, max_words: int = DEFAULT_MAX_WORDS) -> int:
    """Return a work's length in words: log-normal around WORDS_MEDIAN, between WORDS_MIN and
    max_words (the demo cuts the long tail of novel-length works to stay quick)."""
    words = rng.lognormvariate(math.log(WORDS_MEDIAN), WORDS_SIGMA)
    return int(min(max(words, WORDS_MIN), max_words))


def chapter_count(rng: random.Random, words: int) -> int:
    """Return how many chapters a work of this length has posted: short works are nearly all
    one-shots, long ones nearly all chaptered, at most MAX_CHAPTERS."""
    if words < 2_000:
        one_shot = 0.92
    elif words < 8_000:
        one_shot = 0.65
    elif words < 25_000:
        one_shot = 0.30
    else:
        one_shot = 0.05
    if rng.random() < one_shot:
        return 1
    per_chapter = rng.lognormvariate(math.log(3_000), 0.5)
    chapters = round(words / per_chapter)
    if chapters > MAX_CHAPTERS:  # long works: spread them out below the cap, not on it
        chapters = rng.randint(MAX_CHAPTERS // 2, MAX_CHAPTERS)
    return max(2, chapters)


def split_words(rng: random.Random, words: int, chapters: int) -> list[int]:
    """Return the words of each chapter: uneven, as real chapters are, summing to about
    `words`, none under 100."""
    shares = [rng.lognormvariate(0, 0.35) for _ in range(chapters)]
    total = sum(shares)
    return [max(100, round(words * s / total)) for s in shares]


def rating(rng: random.Random) -> str:
    """Return a rating value ("general", "teen", ...) in AO3-like proportions."""
    return weighted_choice(rng, RATING_WEIGHTS)


def warnings_for(rng: random.Random, rating_value: str) -> list[str]:
    """Return the archive warnings of a work: mostly "No Archive Warnings Apply" or "Creator
    Chose Not To Use Archive Warnings"; specific warnings sometimes (rarely for general works,
    and never the sexual ones there)."""
    none_share, chose_not_share = (0.80, 0.15) if rating_value == "general" else (0.52, 0.30)
    roll = rng.random()
    if roll < none_share:
        return [NO_WARNINGS]
    if roll < none_share + chose_not_share:
        return [CHOSE_NOT_TO_WARN]
    specific = dict(SPECIFIC_WARNINGS)
    if rating_value in ("general", "teen"):
        specific = {k: v for k, v in specific.items() if k not in ("Rape/Non-Con", "Underage Sex")}
    count = 2 if rng.random() < 0.2 else 1
    return weighted_sample(rng, list(specific), list(specific.values()), count)


def _pronoun_kind(character: Character) -> str:
    return {"she": "F", "he": "M"}.get(character.pronoun, "X")


def _pair_for(
    rng: random.Random, fandom: Fandom, category: str, weights: list[float]
) -> list[Character] | None:
    """Return two or three characters whose relationship fits the category, or None."""
    chars = list(fandom.characters)

    def pick(kind: str, exclude: Sequence[Character] = ()) -> Character | None:
        options = [
            (c, w)
            for c, w in zip(chars, weights, strict=True)
            if c not in exclude and (kind == "*" or _pronoun_kind(c) == kind)
        ]
        if not options:
            return None
        return rng.choices([c for c, _ in options], weights=[w for _, w in options])[0]

    kinds = {
        "M/M": ("M", "M"),
        "F/F": ("F", "F"),
        "F/M": ("F", "M"),
        "Other": ("X", "*"),
        "Multi": ("*", "*", "*"),
        "Gen": ("*", "*"),
    }[category]
    people: list[Character] = []
    for kind in kinds:
        person = pick(kind, people)
        if person is None:
            return None
        people.append(person)
    # The same people always make the same tag: list them in the fandom's order.
    return sorted(people, key=chars.index)


def relationship_name(people: Sequence[Character], *, romantic: bool) -> str:
    """Return a relationship tag: "A/B" for a romantic one, "A & B" for a platonic one."""
    return ("/" if romantic else " & ").join(p.tag_name for p in people)


def _category_of(people: Sequence[Character]) -> str:
    kinds = sorted(_pronoun_kind(p) for p in people)
    if len(people) > 2:
        return "Multi"
    return {("M", "M"): "M/M", ("F", "F"): "F/F", ("F", "M"): "F/M"}.get(
        (kinds[0], kinds[1]), "Other"
    )


def _freeform_count(rng: random.Random) -> int:
    if rng.random() < 0.05:
        return 0
    return max(1, min(40, round(rng.lognormvariate(math.log(6.5), 0.6))))


def _published_offsets(rng: random.Random, chapters: int, age_days: float) -> list[float]:
    """Return, for each posted chapter, the days after the first one it was posted; the last
    never later than now."""
    if chapters == 1:
        return [0.0]
    gaps = [rng.lognormvariate(math.log(7), 0.8) for _ in range(chapters - 1)]
    room = age_days * 0.95
    if sum(gaps) > room:
        gaps = [g * room / sum(gaps) for g in gaps]
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    return offsets


def plan_work(rng: random.Random, *, max_words: int = DEFAULT_MAX_WORDS) -> WorkPlan:
    """Return the plan of one work drawn from the AO3-shaped distributions above."""
    fandom = pick_fandom(rng)
    fandoms = [fandom]
    if rng.random() < CROSSOVER_SHARE:
        other = pick_fandom(rng)
        if other is not fandom:
            fandoms.append(other)
    weights = zipf_weights(len(fandom.characters), 0.9)

    value = rating(rng)
    warnings = warnings_for(rng, value)

    # The main relationship decides the category; background ones may add another.
    category = weighted_choice(rng, CATEGORY_WEIGHTS)
    people = _pair_for(rng, fandom, category, weights)
    if people is None:  # the fandom lacks, say, two women: fall back to gen
        category = "Gen"
        people = _pair_for(rng, fandom, category, weights) or list(fandom.characters[:2])
    romance = category != "Gen"
    relationships: list[str] = []
    if romance or rng.random() < 0.7:
        relationships.append(relationship_name(people, romantic=romance))
    categories = [category]
    for _ in range(rng.choices([0, 1, 2, 3], weights=[0.6, 0.25, 0.1, 0.05])[0]):
        pair = weighted_sample(rng, list(fandom.characters), weights, 2)
        pair.sort(key=fandom.characters.index)
        romantic = rng.random() < 0.4
        name = relationship_name(pair, romantic=romantic)
        if name not in relationships:
            relationships.append(name)
            if romantic and _category_of(pair) not in categories:
                categories.append(_category_of(pair))
    if rng.random() < 0.04:
        categories = []  # categories are optional on AO3, and some authors leave them out

    # Characters: everyone in a relationship, then a few more, popular ones first.
    cast = list(people)
    extra = max(0, round(rng.lognormvariate(math.log(2), 0.7)) - 1)
    others = [c for c in fandom.characters if c not in cast]
    other_weights = [weights[fandom.characters.index(c)] for c in others]
    cast += weighted_sample(rng, others, other_weights, extra)
    for second in fandoms[1:]:
        cast += weighted_sample(
            rng, list(second.characters), zipf_weights(len(second.characters)), 2
        )
    characters = [c.tag_name for c in cast]

    words = word_count(rng, max_words)
    chapters = chapter_count(rng, words)
    chapter_words = split_words(rng, words, chapters)

    # Freeform tags: popular ones most often, some from the fandom, some about a character.
    usable = [
        t
        for t in FREEFORMS
        if (romance or t not in ROMANCE_FREEFORMS)
        and (chapters == 1 or t not in ONE_SHOT_FREEFORMS)
    ]
    wanted = _freeform_count(rng)
    freeforms = weighted_sample(rng, usable, zipf_weights(len(usable), 0.8), wanted)
    if freeforms and rng.random() < 0.45:
        freeforms.append(rng.choice(fandom.freeforms))
    if freeforms and rng.random() < 0.3:
        freeforms.append(rng.choice(CHARACTER_FREEFORMS).format(name=cast[0].tag_name))
    if words < 300 and rng.random() < 0.5:
        freeforms.append("Drabble")
    draft = rng.random() < DRAFT_SHARE
    if chapters == 1:
        complete = rng.random() < 0.9
        expected: int | None = 1 if complete else rng.choice([None, 2, 3, 5])
    else:
        complete = rng.random() < 0.6
        if complete:
            expected = chapters
        elif rng.random() < 0.5:
            expected = None  # shown as "3/?"
        else:
            expected = chapters + rng.randint(1, chapters // 2 + 2)
    draft_chapter_words = 0
    if not complete and not draft and rng.random() < 0.25:
        draft_chapter_words = split_words(rng, words // chapters, 1)[0]

    age_days = DAYS_SPAN * rng.random() ** 1.4  # more recent works than old ones
    if draft:
        age_days = min(age_days, 60.0)

    return WorkPlan(
        fandoms=[f.name for f in fandoms],
        setting=fandom.setting,
        cast=cast,
        rating=value,
        warnings=warnings,
        categories=categories,
        relationships=relationships,
        characters=characters,
        freeforms=list(dict.fromkeys(freeforms)),
        romance=romance,
        chapter_words=chapter_words,
        expected_chapters=expected,
        complete=complete,
        draft=draft,
        restricted=not draft and rng.random() < RESTRICTED_SHARE,
        text_format=rng.choices(
            list(TEXT_FORMAT_WEIGHTS), weights=list(TEXT_FORMAT_WEIGHTS.values())
        )[0],
        age_days=age_days,
        chapter_days=_published_offsets(rng, chapters, age_days),
        draft_chapter_words=draft_chapter_words,
    )


def as_draft(plan: WorkPlan) -> WorkPlan:
    """Return the plan turned into a draft: unposted, not restricted, begun in the last two
    months."""
    return replace(
        plan, draft=True, restricted=False, draft_chapter_words=0, age_days=min(plan.age_days, 60)
    )


def author_weights(authors: int) -> list[float]:
    """Return how often each of n authors posts: a few prolific ones, a long tail of others."""
    return zipf_weights(authors, 0.9)


# --- Tag wrangling ------------------------------------------------------------------------------
#
# How the demo archive's tags look after wranglers have been at work, as on AO3: fandoms,
# characters and most freeforms canonical; a few names that writers use for the same thing as
# synonyms of the canonical tag; meta tags above the specific ones (so a work tagged
# "Domestic Fluff" is also found under "Fluff"); characters, relationships and fandom-specific
# freeforms attached to their fandom. Tags named for one character ("Protective Juno Park") stay
# unwrangled, so the wrangling queue has something in it.

# Other names writers give a fandom: (synonym, canonical), and how often a work uses them.
# The medium wranglers filed each invented fandom under (tags.models.Media values); the meta
# fandoms ("... - All Media Types") stay uncategorized, as many of AO3's do.
FANDOM_MEDIA: dict[str, str] = {
    "Starfall Academy (TV)": "tv-shows",
    "The Lantern Court Series - Ilse Marrow": "books-literature",
    "Hollowmere Investigations (TV)": "tv-shows",
    "Moth & Meridian (Comics)": "cartoons-comics",
    "Saltwind (Video Game)": "video-games",
    "Ironbloom (Video Game)": "video-games",
    "Original Work": "other-media",
    "The Orchard House - Margarethe Lind": "books-literature",
}
FANDOM_SYNONYMS: dict[str, str] = {
    "Starfall Academy": "Starfall Academy (TV)",
    "SFA": "Starfall Academy (TV)",
    "Lantern Court": "The Lantern Court Series - Ilse Marrow",
    "Hollowmere": "Hollowmere Investigations (TV)",
}
FANDOM_SYNONYM_SHARE = 0.06
# Freeform synonyms: (synonym, canonical). Both names also appear in FREEFORMS.
FREEFORM_SYNONYMS: dict[str, str] = {"Oneshot": "One Shot"}
# Freeform tags left unwrangled (neither canonical nor synonyms).
UNWRANGLED_FREEFORMS = frozenset({"I'm Bad At Tagging", "Self-Indulgent"})
# Meta tags: freeform -> the freeform tags above it (same type: filter tags inherit them).
FREEFORM_PARENTS: dict[str, tuple[str, ...]] = {
    "Alternate Universe - Modern Setting": ("Alternate Universe",),
    "Alternate Universe - Soulmates": ("Alternate Universe", "Soulmates"),
    "Alternate Universe - Coffee Shops & Cafés": ("Alternate Universe - Modern Setting",),
    "Alternate Universe - College/University": ("Alternate Universe - Modern Setting",),
    "Domestic Fluff": ("Fluff",),
    "Fluff and Angst": ("Fluff", "Angst"),
    "Angst with a Happy Ending": ("Angst", "Happy Ending"),
    "Eventual Happy Ending": ("Happy Ending",),
    "Emotional Hurt/Comfort": ("Hurt/Comfort",),
    "Mutual Pining": ("Pining",),
    "Friends to Lovers": ("Getting Together",),
    "Enemies to Lovers": ("Getting Together",),
    "Team as Family": ("Found Family",),
    "Epistolary": ("Letters",),
}
# Freeform meta tags that no writer uses directly in the demo.
META_FREEFORMS: tuple[str, ...] = ("Alternate Universe",)


def meta_fandom(fandom: str) -> str | None:
    """Return the name of the meta fandom above a fandom ("Starfall Academy - All Media Types"
    above "Starfall Academy (TV)"), or None for "Original Work"."""
    if fandom == "Original Work":
        return None
    base = fandom.split(" (")[0].split(" - ")[0]
    return f"{base} - All Media Types"
