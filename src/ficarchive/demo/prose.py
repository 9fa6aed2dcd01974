"""A pure, seeded generator of readable story prose, titles, summaries and notes.

No Django here, and no text from anywhere else: every sentence is built from the templates and
word lists in this module, filled with a work's characters and its fandom's places and things.
The same `random.Random` state always gives the same text.

Prose comes out as blocks (paragraphs and scene breaks); `render_blocks` writes them as HTML,
plain text or Markdown, the three formats authors post in. Inside a paragraph, `*word*` marks
emphasis (a character's thoughts, a stressed word).
"""

from __future__ import annotations

import copy
import html
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Pronoun = Literal["she", "he", "they"]
Format = Literal["html", "text", "markdown"]


@dataclass(frozen=True)
class Character:
    """A character of an invented fandom.

    `name` is the full name (the character tag), `short` what the prose calls them, `tag` a tag
    name that differs from `name` (an original character's "Name (Original Character)")."""

    name: str
    short: str
    pronoun: Pronoun
    tag: str = ""

    @property
    def tag_name(self) -> str:
        """Return the name of the character's tag."""
        return self.tag or self.name


@dataclass(frozen=True)
class Setting:
    """The places, things and institution that a fandom's stories happen around.

    Places and things are lowercase noun phrases ("the west tower", "the sealed letter"), and
    places must read well after "in"; `group` is the institution or crowd the characters answer
    to ("the Court")."""

    places: tuple[str, ...]
    things: tuple[str, ...]
    group: str


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of prose; `*...*` marks emphasis."""

    text: str


@dataclass(frozen=True)
class SceneBreak:
    """A break between scenes."""


Block = Paragraph | SceneBreak

_PRONOUNS: dict[str, tuple[str, str, str, str, str, str]] = {
    # they, them, their, themself, was, wasn't
    "she": ("she", "her", "her", "herself", "was", "wasn't"),
    "he": ("he", "him", "his", "himself", "was", "wasn't"),
    "they": ("they", "them", "their", "themself", "were", "weren't"),
}


class _Person:
    """A character as the templates see it: `{A}` is the short name, `{A.they}`, `{A.them}`,
    `{A.their}`, `{A.themself}`, `{A.was}`, `{A.wasnt}` agree with the character's pronoun, and
    `{A.They}`, `{A.Their}` start a sentence."""

    def __init__(self, character: Character) -> None:
        self.name = character.short
        they, them, their, themself, was, wasnt = _PRONOUNS[character.pronoun]
        self.they = they
        self.them = them
        self.their = their
        self.themself = themself
        self.was = was
        self.wasnt = wasnt
        self.They = they.capitalize()
        self.Their = their.capitalize()

    def by_pronoun(self) -> _Person:
        """Return this person as `{X}` names them at the start of a sentence right after their
        name was used: "She", "He", "They"."""
        other = copy.copy(self)
        other.name = self.They
        return other

    def __format__(self, format_spec: str) -> str:
        return self.name


# --- Word lists shared by every fandom ------------------------------------------------------

_MOMENTS = (
    "that evening",
    "just after midnight",
    "a little before dawn",
    "late that afternoon",
    "on the first cold morning of the year",
    "at the end of a very long day",
    "long after everyone else had gone to bed",
    "in the grey hour before breakfast",
    "on the last night of the festival",
    "the morning after the storm",
)
_TRANSITIONS = (
    "Three days later",
    "The following week",
    "Later",
    "By the time the bells rang noon",
    "An hour later",
    "Much later",
    "The next morning",
    "Two weeks later",
    "Five days later",
    "Afterwards",
)
_WEATHER = (
    "rain drummed against the windows",
    "the wind worried at the shutters",
    "snow had begun to fall in soft, uncertain flakes",
    "the sky was the color of old pewter",
    "the heat sat heavy over everything",
    "fog pressed close against the glass",
    "the last of the light was going gold",
    "a storm was gathering somewhere to the east",
    "the first stars were coming out, one by one",
    "the air smelled of wet stone and woodsmoke",
)
_SOUNDS = (
    "the distant clatter of dishes",
    "someone laughing two rooms away",
    "the slow tick of a clock",
    "footsteps on the stairs",
    "a door closing somewhere below",
    "the low murmur of voices",
    "a kettle beginning to whistle",
    "the creak of old floorboards",
    "music drifting up from the street",
    "the patient drip of a leaking gutter",
)
_FEELINGS = (
    "tired",
    "restless",
    "oddly calm",
    "furious",
    "embarrassed",
    "hopeful",
    "wrung out",
    "wide awake",
    "homesick",
    "younger than usual",
    "very far away",
    "guilty",
)
_LIGHTS = (
    "lamplight",
    "candlelight",
    "the grey morning light",
    "the last of the sunlight",
    "moonlight",
    "the light from the open door",
)
_DURATIONS = (
    "three years",
    "most of their lives",
    "long enough",
    "half a lifetime",
    "eleven months",
    "since the beginning",
)

# --- Narration --------------------------------------------------------------------------------

_OPENERS = (
    "{moment}, {A} found {B} in {place}.",
    "{place} was quiet at this hour, which was exactly why {A} had come.",
    "{A} had not meant to end up in {place} {moment}, but {A.their} feet had other ideas.",
    "Outside, {weather}.",
    "{transition}, {A} was back in {place}.",
    "There were exactly two people in {place} {moment}, and one of them was {B}.",
    "{transition}, {B} knocked on {A.their} door.",
    "{A} was the first to arrive, as usual.",
    "{moment}, {place} smelled of dust and old paper and something burning.",
    "{transition}, nobody had said a word about it to {A}, which was somehow worse.",
    "By the time {A} reached {place}, {weather}.",
    "{B} was waiting in {place}, which {A} should have expected.",
)

_NARRATION = (
    "{A} turned {thing} over in {A.their} hands and said nothing for a while.",
    "{B} looked {feeling}, which was new.",
    "From somewhere nearby came {sound}.",
    "{A} had rehearsed this conversation a dozen times, and none of those versions had gone "
    "like this.",
    "It would have been easy to leave. {A.They} stayed.",
    "{B} had a way of standing in a doorway as if the whole room belonged to {B.them}.",
    "The silence stretched, not unkindly.",
    "{A} counted to ten, then to twenty, and then gave up counting.",
    "There was ink on {B.their} fingers and a smudge of something darker on {B.their} sleeve.",
    "{A.They} thought about {group}, and about what they would say if they could see {A.them} now.",
    "{B} laughed, short and surprised, as if it had been startled out of {B.them}.",
    "{A} let out a breath {A.they} had not known {A.they} {A.was} holding.",
    "For a moment neither of them moved.",
    "{light} caught the edge of {thing}, and {A} looked away.",
    "{A} had known {B} for {duration}, and {A.they} still could not read {B.their} face.",
    "{B} was the kind of person who remembered how everyone took their tea.",
    "Nothing about {place} had changed, except everything.",
    "{A} pressed {A.their} thumb against the edge of {thing} until it hurt.",
    "The argument, when it came, was about something small.",
    "{A} had always liked {place} best in the quiet hours.",
    "It was not, {A} reflected, the worst idea {B} had ever had. It was close.",
    "{B}'s hand was warm where it rested on {A.their} shoulder.",
    "{A} wanted, very badly, to say the right thing.",
    "Later, {A} would remember this moment: {light}, {sound}, and {B} looking at {A.them} "
    "as if {A.they} {A.was} a question worth answering.",
    "{A.They} had carried {thing} for so long that {A.they} had stopped noticing the weight of it.",
    "{B} made a face that suggested {B.they} disagreed with every decision that had led to "
    "this point.",
    "{A} did not sleep much that night.",
    "{A} knew {B} well enough to hear everything {B.they} {B.wasnt} saying.",
    "It should have felt strange. It didn't.",
    "{A} tried to remember the last time {A.they} had eaten something that {A.wasnt} cold.",
    "{B} was humming under {B.their} breath, badly and without any apparent shame.",
    "The trouble with {group} was that they never forgot anything.",
    "{A} realized, with a slow and sinking certainty, that {A.they} {A.was} going to say yes.",
    "{B} did not ask where {A} had been. {A} was grateful for that.",
    "Somebody had left {thing} on the table, as if daring someone else to deal with it.",
    "{A.Their} hands were shaking. {A.They} folded them in {A.their} lap and waited for them "
    "to stop.",
    "It was the kind of quiet that only happens after something has gone very wrong, or very "
    "right.",
    "{B} sat down beside {A}, close enough that their knees almost touched.",
    "{A} had a list of things {A.they} would never say out loud. It was getting shorter.",
    "The fire had burned down to embers, and neither of them got up to feed it.",
    "{A} could hear {B} moving around in the next room, slow and careful.",
    "There would be consequences. There were always consequences.",
    "{A.They} felt {feeling} and could not have said why.",
    "Out of habit, {A} checked that {thing} was still where {A.they} had left it.",
    "{B} had always been better at this part.",
)

_SHORT_LINES = (
    "It was enough.",
    "{A} stayed.",
    "Nothing happened. That was the problem.",
    "Neither of them said it.",
    "And that, it turned out, was that.",
    "{B} didn't answer.",
    "It was a start.",
    "{A} let {A.themself} believe it, just for tonight.",
    "Some things did not need saying.",
    "Of course it was {B}.",
)

_THOUGHTS = (
    "*This is a terrible idea*, {A} thought, and did it anyway.",
    "*Don't*, {A} told {A.themself}. *Don't you dare.*",
    "*Oh.*",
    "*Of course.*",
    "*Say something*, {A} thought. *Anything.*",
    "*Not now*, {A} thought. *Not like this.*",
    "*Breathe.*",
    "It was *{B}*. Of course it was.",
    "{A} had *promised*.",
)

# --- Dialogue ---------------------------------------------------------------------------------

_STATEMENTS = (
    "I didn't think you'd come.",
    "You're late.",
    "We should talk about {thing}.",
    "I'm not doing this again, {Y}.",
    "It's fine. I'm fine.",
    "You don't have to stay.",
    "I kept it. Of course I kept it.",
    "{group} can wait.",
    "I had it handled.",
    "That's not what I said, and you know it.",
    "If you're going to lecture me, at least sit down first.",
    "I missed you. That's all.",
    "Everyone's looking for you, you know.",
    "I thought I'd lost it.",
    "Don't make me laugh, it hurts.",
    "We're going to be in so much trouble.",
    "It wasn't your fault.",
    "I'm starting to think you like it here.",
    "Tell me the truth, just this once.",
    "You have ink on your face.",
    "For the record, this was your idea.",
    "Meet me at {place} tomorrow.",
    "You could have told me.",
    "I'm not good at this.",
    "Stay. Please.",
    "I know.",
    "I'll take the first watch.",
    "Someone has to tell {group}, and it isn't going to be me.",
    "I brought you something to eat. Don't argue.",
    "You look terrible.",
    "I wasn't going to say anything.",
    "That's the worst plan I've ever heard. I'm in.",
    "It's been a long day, {Y}.",
    "Give me {thing}. Slowly.",
)
_QUESTIONS = (
    "Are you all right?",
    "What are you doing here?",
    "Did you sleep at all?",
    "Where did you find {thing}?",
    "How long have you known?",
    "Do you trust me?",
    "Why didn't you say anything?",
    "Is that {thing}?",
    "Since when do you care what {group} thinks?",
    "Can I sit?",
    "What happens now?",
    "Do you remember {place}?",
    "Are we really doing this?",
    "Have you eaten?",
    "What did you want to tell me?",
    "Who else knows?",
    "Would it help if I stayed?",
    "You're still here?",
    "Is this about {thing}?",
    "What would you have done, {Y}?",
)
_EXCLAMATIONS = (
    "Absolutely not!",
    "You're impossible!",
    "Watch out!",
    "That's brilliant!",
    "Give that back!",
    "Don't you dare!",
)
_REPLIES = (  # answers that fit any question
    "Maybe.",
    "Not really.",
    "I don't know. Yes?",
    "Ask me again tomorrow.",
    "That depends on who's asking.",
    "Does it matter?",
    "I was hoping you wouldn't ask.",
    "You really want to know?",
    "Honestly? I'm not sure.",
    "Not now. Later, maybe.",
    "You already know the answer to that.",
)
_SAID = ("said", "said", "said", "murmured", "admitted", "muttered", "said quietly", "said at last")
_ASKED = ("asked", "asked", "asked quietly", "wanted to know")
_EXCLAIMED = ("said", "snapped", "shouted", "said, a little too loudly")
_BEATS = (
    "{X} set down {thing}.",
    "{X} glanced at the door.",
    "{X} rubbed the back of {X.their} neck.",
    "{X} did not look up.",
    "{X} folded {X.their} arms.",
    "{X.Their} voice was softer than {X.they} meant it to be.",
    "{X} smiled, a little crookedly.",
    "{X} sighed.",
    "{X} shrugged one shoulder.",
    "{X} leaned back against the wall.",
    "{X} looked at {Y} for a long moment.",
    "{X} huffed out a laugh.",
    "{X} pinched the bridge of {X.their} nose.",
    "{X} sat up a little straighter.",
    "{X} reached for {Y}'s hand, then thought better of it.",
    "{X} picked at a loose thread on {X.their} sleeve.",
)

# --- Titles, summaries, notes -----------------------------------------------------------------

_TITLE_ABSTRACT = (
    "Weight",
    "Shape",
    "Cartography",
    "Grammar",
    "Arithmetic",
    "Geometry",
    "Architecture",
    "Cost",
    "Habit",
    "Art",
)
_TITLE_OF = (
    "Small Things",
    "Leaving",
    "Staying",
    "Salt",
    "Distant Stars",
    "Quiet Rooms",
    "Second Chances",
    "Other People's Letters",
    "Winter",
    "Borrowed Light",
    "Coming Home",
    "Forgetting",
)
_TITLE_ADJ = (
    "Borrowed",
    "Quiet",
    "Slow",
    "Paper",
    "Crooked",
    "Golden",
    "Unfinished",
    "Restless",
    "Midnight",
    "Salt-Stained",
    "Small",
    "Lantern-Lit",
)
_TITLE_NOUN = (
    "Hours",
    "Light",
    "Hearts",
    "Weather",
    "Lanterns",
    "Maps",
    "Harbors",
    "Promises",
    "Constellations",
    "Mornings",
    "Confessions",
    "Gods",
)
_TITLE_PLURALS = tuple(n for n in _TITLE_NOUN if n.endswith("s"))
_LOWERCASE_TITLES = (
    "we were never very good at goodbyes",
    "all the lights in the harbor",
    "if the river remembers",
    "someone to come home to",
    "tell me about the stars again",
    "this is not a love letter",
    "the long way home",
    "what we keep",
    "a place to put it down",
    "in the space between",
    "ask me in the morning",
    "every door in the house",
    "the year it didn't snow",
)
_TITLE_VERBS = (
    "Forgot to Eat",
    "Almost Said It",
    "Fell Asleep on the Job",
    "Got Lost",
    "Lied About Being Fine",
    "Pretended Not to Care",
    "Took the Blame",
)
_SUMMARY_HOOKS = (
    "{A} has exactly one job: keep {thing} safe until the end of the week. {B} has other plans.",
    "After everything that happened at {place}, {A} just wants a quiet night. {group} has "
    "other ideas.",
    "{A} and {B} get stuck in {place} overnight. Things are said.",
    "It starts with {thing}. It ends in {place}.",
    "{A} thought {A.they} knew what {group} wanted. {A.They} {A.was} wrong.",
    "A missing scene, and what came after.",
    "Five times {A} {verb_lower}, and one time {B} noticed.",
    "In which {A} is terrible at feelings and {B} is very patient.",
    "{B} keeps turning up in {place}. {A} is not complaining. Much.",
    "Nobody talks about what happened to {thing}. {A} is done not talking about it.",
    "Some people collect stamps. {A} collects other people's problems.",
    "Everything changes the night {B} doesn't come back to {place}.",
    "The first winter after the war, told in small moments.",
    "{A} finds a letter that was never sent. It's addressed to {B}.",
)
_ROMANCE_HOOKS = (
    "{A} didn't mean to fall for {B}. It was an accident, mostly.",
    "Slow burn, emphasis on the slow. {A} and {B} figure it out eventually.",
    "There is only one bed. {A} is handling it very maturely.",
    "{A} and {B} pretend to be together for one evening. It does not stay pretend.",
)
_SUMMARY_TAILS = (
    "Or: the one where {A} learns to ask for help.",
    "Or: five conversations in {place}.",
    "(I'm bad at summaries, please give it a chance!)",
    "Title may change.",
    "Updates on weekends, hopefully.",
    "Rated for language.",
    "Complete in itself, but part of a larger idea.",
    "Set after the last season.",
    "Canon divergence from the midpoint of the story.",
)
_BETAS = (
    "paperboats",
    "lindenleaf",
    "my wonderful partner",
    "the group chat",
    "an endlessly patient friend",
    "nightowl_reads",
)
_EXCHANGES = (
    "Winter Lights",
    "Midsummer Swap",
    "Rarepair Fortnight",
    "Small Fandom Fest",
    "Hurt/Comfort Bingo",
)
_WORK_NOTES = (
    "Thank you to {beta} for the beta read, and for putting up with my comma habit.",
    "This started as a drabble and then it kept going. Sorry?",
    "Title from a song I had on repeat the whole time I was writing this.",
    "Not beta read; all mistakes are my own.",
    "I have never written for this fandom before, so please be gentle!",
    "Written for the {exchange} exchange. I hope you like it!",
    "Many thanks to everyone who cheered me on while I wrote this.",
    "Disclaimer: I own nothing but the plot.",
    "Content notes are in the tags; please mind them.",
    "I wrote most of this on my phone on the bus, so forgive any odd typos.",
)
_END_NOTES = (
    "Thank you for reading! Kudos and comments make my whole week.",
    "Come say hello on my blog, where I mostly post pictures of my cat.",
    "I might write a sequel if people want one?",
    "Concrit welcome!",
    "Next chapter should be up in a week or two.",
    "This one was a gift for a friend. You know who you are.",
)
_CHAPTER_NOTES = (
    "Sorry this one took so long!",
    "Short chapter, but an important one.",
    "Thank you all so much for the lovely comments on the last chapter.",
    "A note for this chapter: there is a brief description of an injury near the end.",
    "We're getting close to the end now.",
    "This chapter fought me every step of the way.",
    "Fair warning: this one is mostly feelings.",
)
_CHAPTER_TITLES = (
    "Arrivals",
    "The Long Way Round",
    "Small Hours",
    "Tidewater",
    "What We Keep",
    "Thaw",
    "Homecoming",
    "Crossings",
    "Fault Lines",
    "A Quiet Kind of Trouble",
    "Ashes",
    "Ways and Means",
    "Undertow",
    "Lantern Hours",
    "Daybreak",
    "Old Debts",
    "Departures",
    "Holding Pattern",
)

_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")
_EMPHASIS = re.compile(r"\*([^*]+)\*")


def sentence_case(text: str) -> str:
    """Return the text with the first letter of each sentence in upper case."""
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)


def _title_case(phrase: str) -> str:
    small = {"a", "an", "the", "of", "and", "in", "on", "to", "at", "for"}
    words = phrase.split()
    return " ".join(w if (i and w in small) else w[:1].upper() + w[1:] for i, w in enumerate(words))


_SLOTS: dict[str, Sequence[str]] = {
    "moment": _MOMENTS,
    "transition": _TRANSITIONS,
    "weather": _WEATHER,
    "sound": _SOUNDS,
    "feeling": _FEELINGS,
    "light": _LIGHTS,
    "duration": _DURATIONS,
    "verb_lower": tuple(v.lower() for v in _TITLE_VERBS),
    "beta": _BETAS,
    "exchange": _EXCHANGES,
}


class _Filler:
    """Fills templates for one story from its setting and the shared word lists.

    Choices come from shuffle-bags: every template and word of a list is used once before any
    is used again, so a chapter does not repeat a sentence a few lines after using it."""

    def __init__(self, rng: random.Random, setting: Setting) -> None:
        self.rng = rng
        self.setting = setting
        self._bags: dict[int, list[str]] = {}
        self._slots: dict[str, Sequence[str]] = {
            **_SLOTS,
            "place": setting.places,
            "thing": setting.things,
        }

    def pick(self, pool: Sequence[str]) -> str:
        """Return the next item of the pool's shuffle-bag (refilled when empty)."""
        bag = self._bags.get(id(pool))
        if not bag:
            bag = list(pool)
            self.rng.shuffle(bag)
            self._bags[id(pool)] = bag
        return bag.pop()

    def fill(self, template: str, **people: _Person) -> str:
        """Return the template with every slot filled, in sentence case, apostrophes curled."""
        return sentence_case(template.format_map(_Slots(self, people))).replace("'", "\u2019")


class _Slots(dict[str, object]):
    """The values of one template's slots, each picked when the template first asks for it."""

    def __init__(self, filler: _Filler, people: dict[str, _Person]) -> None:
        super().__init__(people, group=filler.setting.group)
        self.filler = filler

    def __missing__(self, key: str) -> str:
        value = self.filler.pick(self.filler._slots[key])
        self[key] = value
        return value


def _pick_pair(rng: random.Random, cast: Sequence[Character]) -> tuple[Character, Character]:
    """Return the point-of-view character and the other character of one scene."""
    if len(cast) > 2 and rng.random() < 0.15:
        return rng.choice(cast[:2]), rng.choice(cast[2:])
    if rng.random() < 0.25:
        return cast[1], cast[0]
    return cast[0], cast[1]


def _dialogue(
    filler: _Filler, speaker: _Person, listener: _Person, *, named: bool, answer: bool
) -> tuple[str, bool]:
    """Return one dialogue paragraph, and whether it ends on a question."""
    rng = filler.rng
    roll = rng.random()
    if answer and roll < 0.55:
        line = filler.pick(_REPLIES)
    elif roll < 0.6:
        line = filler.pick(_STATEMENTS)
    elif roll < 0.93:
        line = filler.pick(_QUESTIONS)
    else:
        line = filler.pick(_EXCLAMATIONS)
    spoken = filler.fill(line, Y=listener)
    verbs = _ASKED if spoken.endswith("?") else _EXCLAIMED if spoken.endswith("!") else _SAID
    shape = rng.random()
    if shape < 0.2:
        beat = filler.fill(filler.pick(_BEATS), X=speaker, Y=listener)
        return f"{beat} \u201c{spoken}\u201d", spoken.endswith("?")
    if shape < 0.3:
        return f"\u201c{spoken}\u201d", spoken.endswith("?")
    who = speaker.name if named else speaker.they
    tagged = spoken[:-1] + "," if spoken.endswith(".") else spoken
    text = f"\u201c{tagged}\u201d {who} {rng.choice(verbs)}."
    if rng.random() < 0.3:
        more = filler.pick(_STATEMENTS if rng.random() < 0.7 else _QUESTIONS)
        text += f" \u201c{filler.fill(more, Y=listener)}\u201d"
        spoken = more
    elif rng.random() < 0.25:
        # The speaker was just named in the tag: the beat calls them "she", "he" or "they".
        text += " " + filler.fill(filler.pick(_BEATS), X=speaker.by_pronoun(), Y=listener)
    return text, spoken.endswith("?")


def _narration(filler: _Filler, a: _Person, b: _Person, sentences: int) -> str:
    """Return a paragraph of narration sentences from A's point of view."""
    # After the first sentence, "She ..." may stand for "Wren ..." when it cannot mean B.
    by_pronoun = a.by_pronoun() if a.they != b.they else a
    parts = []
    for index in range(sentences):
        template = filler.pick(_NARRATION)
        subject = a
        if index and template.startswith("{A}") and filler.rng.random() < 0.5:
            subject = by_pronoun
        parts.append(filler.fill(template, A=subject, B=b))
    return " ".join(parts)


def _scene(filler: _Filler, cast: Sequence[Character], target: int) -> tuple[list[Paragraph], int]:
    """Return one scene of about `target` words (at least one paragraph), and its word count."""
    rng = filler.rng
    first, second = _pick_pair(rng, cast)
    a, b = _Person(first), _Person(second)
    opener = filler.fill(filler.pick(_OPENERS), A=a, B=b)
    extra = _narration(filler, a, b, rng.randint(1, 3))
    paragraphs = [Paragraph(f"{opener} {extra}")]
    words = len(paragraphs[0].text.split())
    speaker, listener = (a, b) if rng.random() < 0.5 else (b, a)
    last_speaker: _Person | None = None
    question = False
    while words < target:
        roll = rng.random()
        if roll < 0.55:
            named = last_speaker is not speaker or rng.random() < 0.5
            text, question = _dialogue(filler, speaker, listener, named=named, answer=question)
            last_speaker = speaker
            if rng.random() < 0.85:
                speaker, listener = listener, speaker
        elif roll < 0.85:
            text = _narration(filler, a, b, rng.randint(2, 5))
            question, last_speaker = False, None
        elif roll < 0.93:
            text = filler.fill(filler.pick(_THOUGHTS), A=a, B=b)
        else:
            text = filler.fill(filler.pick(_SHORT_LINES), A=a, B=b)
        paragraphs.append(Paragraph(text))
        words += len(text.split())
    return paragraphs, words


def chapter_blocks(
    rng: random.Random, cast: Sequence[Character], setting: Setting, words: int
) -> list[Block]:
    """Return the paragraphs and scene breaks of a chapter of about `words` words (a little
    more, since the last paragraph is finished). `cast` needs at least two characters: the
    first two carry most scenes."""
    if len(cast) < 2:
        raise ValueError("chapter_blocks needs at least two characters.")
    filler = _Filler(rng, setting)
    blocks: list[Block] = []
    total = 0
    while total < words:
        left = words - total
        scene_target = left if left < 900 else min(left, rng.randint(500, 1600))
        if blocks:
            blocks.append(SceneBreak())
        paragraphs, count = _scene(filler, cast, scene_target)
        blocks.extend(paragraphs)
        total += count
    return blocks


def count_words(blocks: Sequence[Block]) -> int:
    """Return the whitespace-separated words in the paragraphs (emphasis marks ignored)."""
    return sum(len(b.text.split()) for b in blocks if isinstance(b, Paragraph))


def render_blocks(blocks: Sequence[Block], fmt: Format) -> str:
    """Return the blocks as HTML (`<p>` and `<hr>`), plain text (blank lines between
    paragraphs, `* * *` between scenes) or Markdown (the same, with `*emphasis*`)."""
    if fmt == "html":
        parts = [
            "<hr>"
            if isinstance(b, SceneBreak)
            else "<p>" + _EMPHASIS.sub(r"<em>\1</em>", html.escape(b.text, quote=False)) + "</p>"
            for b in blocks
        ]
        return "\n".join(parts) + "\n"
    parts = []
    for block in blocks:
        if isinstance(block, SceneBreak):
            parts.append("* * *")
        elif fmt == "markdown":
            parts.append(block.text)
        else:
            parts.append(_EMPHASIS.sub(r"\1", block.text))
    return "\n\n".join(parts) + "\n"


def render_note(text: str, fmt: Format) -> str:
    """Return a short plain note (summary, author's note) as a source in the given format:
    one `<p>` per line for HTML, the lines themselves otherwise."""
    lines = [line for line in text.split("\n") if line.strip()]
    if fmt == "html":
        return "\n".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines)
    return "\n\n".join(lines)


def work_title(rng: random.Random, cast: Sequence[Character], setting: Setting) -> str:
    """Return a title in one of the shapes fan works use (lowercase lines included)."""
    roll = rng.random()
    if roll < 0.2:
        return f"The {rng.choice(_TITLE_ABSTRACT)} of {rng.choice(_TITLE_OF)}"
    if roll < 0.4:
        return f"{rng.choice(_TITLE_ADJ)} {rng.choice(_TITLE_NOUN)}"
    if roll < 0.6:
        return rng.choice(_LOWERCASE_TITLES)
    if roll < 0.7 and len(cast) >= 2:
        return (
            f"Five Times {cast[0].short} {rng.choice(_TITLE_VERBS)} "
            f"(and One Time {cast[1].short} Noticed)"
        )
    if roll < 0.8:
        return _title_case(rng.choice(setting.things))
    if roll < 0.9:
        return f"Where the {rng.choice(_TITLE_PLURALS)} Go"
    return f"Notes on {rng.choice(_TITLE_OF)}"


def work_summary(
    rng: random.Random, cast: Sequence[Character], setting: Setting, *, romance: bool
) -> str:
    """Return a one-to-three line summary naming the work's first characters; romance hooks
    only when the work is tagged with a romantic relationship. Lines are separated by `\\n`."""
    filler = _Filler(rng, setting)
    a, b = _Person(cast[0]), _Person(cast[1 % len(cast)])
    hooks = _SUMMARY_HOOKS + (_ROMANCE_HOOKS if romance else ())
    lines = [filler.fill(rng.choice(hooks), A=a, B=b)]
    if rng.random() < 0.35:
        lines.append(filler.fill(rng.choice(_SUMMARY_TAILS), A=a, B=b))
    return "\n".join(lines)


def author_note(rng: random.Random, setting: Setting) -> str:
    """Return a work's beginning note of one or two lines (separated by `\\n`)."""
    filler = _Filler(rng, setting)
    picks = rng.sample(_WORK_NOTES, k=1 if rng.random() < 0.6 else 2)
    return "\n".join(filler.fill(p) for p in picks)


def end_note(rng: random.Random) -> str:
    """Return a work's or chapter's end note."""
    return rng.choice(_END_NOTES).replace("'", "\u2019")


def chapter_note(rng: random.Random) -> str:
    """Return a chapter's beginning note."""
    return rng.choice(_CHAPTER_NOTES).replace("'", "\u2019")


def chapter_title(rng: random.Random, setting: Setting, *, last: bool) -> str:
    """Return a chapter title ("Epilogue" sometimes for a finished work's last chapter)."""
    if last and rng.random() < 0.3:
        return "Epilogue"
    if rng.random() < 0.2:
        return _title_case(rng.choice(setting.places))
    return rng.choice(_CHAPTER_TITLES)
