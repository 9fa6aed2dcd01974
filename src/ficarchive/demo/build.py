"""The Django part of the demo: users, pseuds and works made through the archive's actions.

`build_demo` plans each work with `shapes`, writes its text with `prose`, posts it with
`post_work` and `add_chapter` like any author would, then moves its dates into the past (the
actions stamp "now") so that listings show two years of history. Everything runs in one
transaction: an interrupted demo leaves the archive as it was.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ficarchive.accounts.actions import add_pseud, sign_up
from ficarchive.accounts.models import Pseud, User
from ficarchive.demo import prose, shapes
from ficarchive.demo.wrangling import wrangle_demo_tags
from ficarchive.tags.actions import ensure_fixed_tags
from ficarchive.tags.filtering import refresh_filter_tags
from ficarchive.works.actions import ChapterInput, WorkInput, add_chapter, post_work
from ficarchive.works.models import Chapter, Work

DEMO_USERNAME = "demo"
# A well-known password on purpose: the summary prints it and the README documents it.
DEMO_PASSWORD = "demo-password-123"  # noqa: S105

# Named accounts: (username, extra pseuds, bio). The first is the documented demo login.
ACCOUNTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        DEMO_USERNAME,
        ("Demo Drafts",),
        "The demo account. Log in as demo to see drafts, your works and your pseuds.",
    ),
    ("inkwell_wren", ("Wren Inkwell",), "Mostly court intrigue and pining. Comments welcome!"),
    ("marigold_ash", ("ash-and-marigold", "marigold.archive"), "Writing since forever."),
    ("quietstorm", (), "Hurt/comfort enthusiast. Will write found family for food."),
    ("paperlanterns", ("Paper Lanterns",), ""),
    ("tidewriter", (), "I write about boats and the people on them."),
    ("nightjar_notes", ("Nightjar",), "Night owl, slow updater, long-time lurker."),
    ("sunny_ferns", (), ""),
    ("oxford_comma", ("Serial Comma", "the comma police"), "Beta reader for hire (for free)."),
    ("velvetmoth", (), "Small fandoms, rare pairs."),
    ("lindenleaf", ("Linden",), "Fluff only. Life is hard enough."),
    ("saltandstars", (), ""),
)
# Words for more readable usernames when a big demo wants more authors than ACCOUNTS holds.
_NAME_FIRST = ("amber", "quiet", "silver", "paper", "velvet", "copper", "misty", "golden", "late")
_NAME_SECOND = ("kestrel", "harbor", "willow", "lantern", "comet", "thistle", "raven", "meadow")


@dataclass
class DemoSummary:
    """What a demo run made, for the closing report. `password` is None when the demo account
    already existed (its password is left alone)."""

    users: int
    pseuds: int
    works: int
    drafts: int
    chapters: int
    words: int
    seconds: float
    username: str
    password: str | None


@dataclass
class _Author:
    user: User
    pseuds: list[Pseud]  # the default pseud first


def author_count(works: int) -> int:
    """Return how many accounts a demo of this many works gets: the named ones for up to 100
    works, one more for every 40 works beyond that, at most 60 (sign-up hashes a password,
    which is slow on purpose)."""
    return min(60, len(ACCOUNTS) + max(0, works - 100) // 40)


def _usernames(rng: random.Random, count: int) -> list[tuple[str, tuple[str, ...], str]]:
    """Return the named accounts, then generated ones ("copper_thistle") up to count."""
    accounts = list(ACCOUNTS[:count])
    taken = {name for name, _, _ in accounts}
    while len(accounts) < count:
        name = f"{rng.choice(_NAME_FIRST)}_{rng.choice(_NAME_SECOND)}"
        if name in taken:
            name = f"{name}{rng.randint(2, 99)}"
        if name not in taken:
            taken.add(name)
            accounts.append((name, (), ""))
    return accounts


def _make_author(username: str, extra_pseuds: tuple[str, ...], bio: str) -> tuple[_Author, bool]:
    """Return the account (signed up now, or found when it already exists) with its pseuds,
    and whether it was created."""
    user = User.objects.filter(username__iexact=username).first()
    created = user is None
    if user is None:
        # Hex, not urlsafe: Django's similarity validator compares letter multisets with the
        # e-mail address, and a random mixed-case token occasionally looked "too similar".
        password = DEMO_PASSWORD if username == DEMO_USERNAME else secrets.token_hex(20)
        user = sign_up(username, f"{username}@example.org", password)
        if bio:
            User.objects.filter(pk=user.pk).update(bio=bio)
    for name in extra_pseuds:
        if not user.pseuds.filter(name__iexact=name).exists():
            add_pseud(user, name)
    pseuds = list(user.pseuds.order_by("-is_default", "pk"))
    return _Author(user, pseuds), created


def _chapter_title(rng: random.Random, plan: shapes.WorkPlan, titled: bool, last: bool) -> str:
    return prose.chapter_title(rng, plan.setting, last=last) if titled else ""


def _post(
    rng: random.Random, author: _Author, plan: shapes.WorkPlan, now: datetime
) -> tuple[int, int]:
    """Post one planned work with generated text and backdate it. Returns the number of
    chapters made (posted and unposted) and the posted words as the archive counted them."""
    fmt = plan.text_format
    cast, setting = plan.cast, plan.setting

    def text(words: int) -> str:
        return prose.render_blocks(prose.chapter_blocks(rng, cast, setting, words), fmt)

    def note(value: str) -> str:
        return prose.render_note(value, fmt)

    chapters = len(plan.chapter_words)
    titled = chapters > 1 and rng.random() < 0.45
    data = WorkInput(
        title=prose.work_title(rng, cast, setting),
        summary=note(prose.work_summary(rng, cast, setting, romance=plan.romance))
        if rng.random() < 0.95
        else "",
        notes=note(prose.author_note(rng, setting)) if rng.random() < 0.55 else "",
        end_notes=note(prose.end_note(rng)) if rng.random() < 0.35 else "",
        text_format=fmt,
        rating=plan.rating,
        warnings=plan.warnings,
        categories=plan.categories,
        fandoms=plan.fandoms,
        relationships=plan.relationships,
        characters=plan.characters,
        freeforms=plan.freeforms,
        expected_chapters=plan.expected_chapters,
        complete=plan.complete,
        restricted=plan.restricted,
    )
    # Most authors post under their default pseud; some under another of theirs.
    pseud = author.pseuds[0] if rng.random() < 0.75 else rng.choice(author.pseuds)
    first = ChapterInput(
        text=text(plan.chapter_words[0]),
        text_format=fmt,
        title=_chapter_title(rng, plan, titled, last=chapters == 1),
    )
    work = post_work(author.user, data, first, pseuds=[pseud], draft=plan.draft)
    for position, words in enumerate(plan.chapter_words[1:], start=2):
        chapter = ChapterInput(
            text=text(words),
            text_format=fmt,
            title=_chapter_title(rng, plan, titled, last=position == chapters and plan.complete),
            notes=note(prose.chapter_note(rng)) if rng.random() < 0.35 else "",
            end_notes=note(prose.end_note(rng)) if rng.random() < 0.15 else "",
        )
        add_chapter(author.user, work, chapter)
    if plan.draft_chapter_words:
        add_chapter(
            author.user,
            work,
            ChapterInput(text=text(plan.draft_chapter_words), text_format=fmt),
            draft=True,
        )
    _backdate(work, plan, now)
    work.refresh_from_db(fields=["word_count"])
    return chapters + (1 if plan.draft_chapter_words else 0), work.word_count


def _backdate(work: Work, plan: shapes.WorkPlan, now: datetime) -> None:
    """Move the work's and its chapters' dates into the past the plan describes: published
    `age_days` ago, each chapter `chapter_days` later, an unposted chapter started after the
    last posted one. Every datetime is timezone-aware."""
    start = now - timedelta(days=plan.age_days)
    chapters = list(Chapter.objects.filter(work=work).order_by("position"))
    if plan.draft:
        Work.objects.filter(pk=work.pk).update(created_at=start, revised_at=start)
        Chapter.objects.filter(work=work).update(created_at=start, updated_at=start)
        return
    dates = [start + timedelta(days=offset) for offset in plan.chapter_days]
    for chapter, when in zip(chapters, dates, strict=False):
        Chapter.objects.filter(pk=chapter.pk).update(
            created_at=when - timedelta(hours=1), published_at=when, updated_at=when
        )
    last = dates[-1]
    for chapter in chapters[len(dates) :]:  # unposted chapters, begun after the last post
        begun = last + (now - last) / 2
        Chapter.objects.filter(pk=chapter.pk).update(created_at=begun, updated_at=begun)
    Work.objects.filter(pk=work.pk).update(
        created_at=start - timedelta(hours=1),
        published_at=start,
        updated_at=last,
        revised_at=last,
    )


def build_demo(
    works: int,
    seed: int,
    *,
    max_words: int = shapes.DEFAULT_MAX_WORDS,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Create demo accounts and `works` works (drafts included) in one transaction, wrangle
    their tags like the bulk loader does, calling
    `progress(done, works)` after each work. The same seed gives the same accounts, titles,
    tags and text. Returns a summary of what was made."""
    started = time.monotonic()
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        ensure_fixed_tags()
        authors: list[_Author] = []
        demo_created = False
        for username, extra, bio in _usernames(rng, author_count(works)):
            author, created = _make_author(username, extra, bio)
            authors.append(author)
            if username == DEMO_USERNAME:
                demo_created = created
        weights = shapes.author_weights(len(authors))
        chapters = words = drafts = 0
        demo_has_draft = False
        for done in range(1, works + 1):
            work_rng = random.Random(rng.getrandbits(64))
            plan = shapes.plan_work(work_rng, max_words=max_words)
            author = rng.choices(authors, weights=weights)[0]
            if plan.draft and rng.random() < 0.5:
                author = authors[0]  # give the demo login a draft or two to look at
            elif done == works and not demo_has_draft and works >= 5:
                # The demo login should see a draft of its own, even when chance gave it none.
                plan, author = shapes.as_draft(plan), authors[0]
            demo_has_draft = demo_has_draft or (plan.draft and author is authors[0])
            made, counted = _post(work_rng, author, plan, now)
            chapters += made
            words += counted
            drafts += plan.draft
            if progress is not None:
                progress(done, works)
        # Wranglers have been at work: canonical tags, synonyms, meta tags (see wrangling.py).
        wrangle_demo_tags()
        refresh_filter_tags(Work.objects.values_list("pk", flat=True))
    return DemoSummary(
        users=len(authors),
        pseuds=Pseud.objects.filter(user__in=[a.user for a in authors]).count(),
        works=works,
        drafts=drafts,
        chapters=chapters,
        words=words,
        seconds=time.monotonic() - started,
        username=DEMO_USERNAME,
        password=DEMO_PASSWORD if demo_created else None,
    )
