"""The demo generator: seeded prose, AO3-shaped plans, and `ficarchive demo` itself."""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from ficarchive.accounts.models import Pseud, User
from ficarchive.demo import bulk, prose, shapes, wrangling
from ficarchive.demo.build import DEMO_PASSWORD, DEMO_USERNAME
from ficarchive.search.engine import search_works
from ficarchive.search.index import search_texts
from ficarchive.tags.actions import clean_tag_name
from ficarchive.tags.filtering import refresh_filter_tags
from ficarchive.tags.models import ARCHIVE_WARNINGS, CATEGORIES, FilterTagging, Tag, TagType
from ficarchive.text import html_to_text, render_text
from ficarchive.works.actions import ChapterInput, WorkInput, post_work
from ficarchive.works.models import Chapter, Rating, Status, Work, title_sort_key

FANDOM = shapes.FANDOMS[1]
CAST = list(FANDOM.characters[:4])


def blocks(seed: int, words: int = 2_000) -> list[prose.Block]:
    return prose.chapter_blocks(random.Random(seed), CAST, FANDOM.setting, words)


def run_demo(**options: object) -> str:
    out = StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


# --- prose ---------------------------------------------------------------------------------------


def test_it_writes_the_same_text_for_the_same_seed() -> None:
    assert blocks(7) == blocks(7)
    assert blocks(7) != blocks(8)


def test_it_writes_titles_and_summaries_deterministically() -> None:
    def meta(seed: int) -> tuple[str, str, str]:
        rng = random.Random(seed)
        return (
            prose.work_title(rng, CAST, FANDOM.setting),
            prose.work_summary(rng, CAST, FANDOM.setting, romance=True),
            prose.author_note(rng, FANDOM.setting),
        )

    assert meta(3) == meta(3)
    assert len({meta(seed) for seed in range(20)}) > 15


def test_it_writes_about_as_many_words_as_asked() -> None:
    for words in (100, 1_000, 5_000):
        counted = prose.count_words(blocks(1, words))
        assert words <= counted < words + 150


def test_it_writes_plausible_paragraphs() -> None:
    chapter = blocks(11, 6_000)
    paragraphs = [b for b in chapter if isinstance(b, prose.Paragraph)]
    assert any(isinstance(b, prose.SceneBreak) for b in chapter)
    assert not isinstance(chapter[0], prose.SceneBreak)
    assert sum("\u201c" in p.text for p in paragraphs) > len(paragraphs) / 4  # dialogue
    text = " ".join(p.text for p in paragraphs)
    assert CAST[0].short in text and CAST[1].short in text
    for paragraph in paragraphs:
        assert paragraph.text[0].isupper() or paragraph.text[0] in "\u201c*", paragraph.text
        assert paragraph.text.rstrip("\u201d*")[-1] in ".?!", paragraph.text
    # No more than a handful of paragraphs are repeated word for word.
    repeats = Counter(p.text for p in paragraphs if len(p.text.split()) > 12)
    assert max(repeats.values()) <= 2


def test_it_fills_every_template_with_agreeing_pronouns() -> None:
    """Every fandom, many seeds: no slot left unfilled, no "they was" or "she were"."""
    for index, fandom in enumerate(shapes.FANDOMS):
        cast = list(fandom.characters)
        for seed in range(6):
            rng = random.Random(seed * 100 + index)
            rng.shuffle(cast)
            text = prose.render_blocks(
                prose.chapter_blocks(rng, cast, fandom.setting, 3_000), "text"
            )
            text += prose.work_summary(rng, cast, fandom.setting, romance=True)
            assert "{" not in text and "}" not in text
            assert "'" not in text  # apostrophes are curled
            lowered = text.lower()
            for wrong in ("they was", "they wasn", "she were", "he were", "she weren", "he weren"):
                assert wrong not in lowered


def test_it_renders_html_text_and_markdown() -> None:
    chapter: list[prose.Block] = [
        prose.Paragraph("Wren had *promised* & meant it."),
        prose.SceneBreak(),
        prose.Paragraph("“Fine,” she said."),
    ]
    assert prose.render_blocks(chapter, "html") == (
        "<p>Wren had <em>promised</em> &amp; meant it.</p>\n<hr>\n<p>“Fine,” she said.</p>\n"
    )
    assert prose.render_blocks(chapter, "text") == (
        "Wren had promised & meant it.\n\n* * *\n\n“Fine,” she said.\n"
    )
    assert "*promised*" in prose.render_blocks(chapter, "markdown")


def test_it_capitalizes_sentences() -> None:
    assert prose.sentence_case("the court waited. she did not.") == "The court waited. She did not."


# --- shapes --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plans() -> list[shapes.WorkPlan]:
    rng = random.Random(2024)
    return [shapes.plan_work(rng) for _ in range(6_000)]


def share(plans: list[shapes.WorkPlan], test: Callable[[shapes.WorkPlan], bool]) -> float:
    return sum(1 for p in plans if test(p)) / len(plans)


def test_it_mirrors_the_archive_constants() -> None:
    assert set(shapes.RATING_WEIGHTS) == set(Rating.values)
    warnings = {shapes.NO_WARNINGS, shapes.CHOSE_NOT_TO_WARN, *shapes.SPECIFIC_WARNINGS}
    assert warnings == set(ARCHIVE_WARNINGS)
    assert set(shapes.CATEGORY_WEIGHTS) == set(CATEGORIES)


def test_it_invents_valid_distinct_tag_names() -> None:
    names = [f.name for f in shapes.FANDOMS]
    names += [c.tag_name for f in shapes.FANDOMS for c in f.characters]
    names += list(shapes.FREEFORMS)
    names += [t for f in shapes.FANDOMS for t in f.freeforms if t not in shapes.FREEFORMS]
    for name in names:
        assert clean_tag_name(name) == name
    assert len({n.lower() for n in names}) == len(names)
    for fandom in shapes.FANDOMS:
        pronouns = Counter(c.pronoun for c in fandom.characters)
        assert pronouns["she"] >= 3 and pronouns["he"] >= 3 and pronouns["they"] >= 1


def test_it_gives_works_about_fifteen_tags(plans: list[shapes.WorkPlan]) -> None:
    assert 14 <= statistics.median(p.tag_count for p in plans) <= 18
    assert all(len(p.fandoms) >= 1 and len(p.cast) >= 2 for p in plans)
    assert all(len(p.warnings) >= 1 for p in plans)


def test_it_keeps_nine_works_in_ten_under_25000_words(plans: list[shapes.WorkPlan]) -> None:
    assert 0.86 <= share(plans, lambda p: p.words < 25_000) <= 0.95
    assert 2_500 <= statistics.median(p.words for p in plans) <= 5_000
    assert all(p.words <= shapes.DEFAULT_MAX_WORDS + 100 * shapes.MAX_CHAPTERS for p in plans)


def test_it_makes_most_works_one_shots(plans: list[shapes.WorkPlan]) -> None:
    assert 0.55 <= share(plans, lambda p: len(p.chapter_words) == 1) <= 0.75
    assert all(1 <= len(p.chapter_words) <= shapes.MAX_CHAPTERS for p in plans)
    assert share(plans, lambda p: len(p.chapter_words) >= 10) > 0.02
    unknown = share(plans, lambda p: not p.complete and p.expected_chapters is None)
    assert 0.03 <= unknown <= 0.2
    assert all(p.complete == (p.expected_chapters == len(p.chapter_words)) for p in plans)


def test_it_skews_fandoms_like_a_zipf_curve(plans: list[shapes.WorkPlan]) -> None:
    counts = Counter(p.fandoms[0] for p in plans).most_common()
    assert counts[0][0] == shapes.FANDOMS[0].name
    assert counts[0][1] > 0.3 * len(plans)
    assert counts[0][1] > 3 * counts[-1][1]
    assert 0.02 <= share(plans, lambda p: len(p.fandoms) == 2) <= 0.07


def test_it_draws_ratings_warnings_and_categories_in_proportion(
    plans: list[shapes.WorkPlan],
) -> None:
    ratings = Counter(p.rating for p in plans)
    for value, weight in shapes.RATING_WEIGHTS.items():
        assert abs(ratings[value] / len(plans) - weight) < 0.03
    assert 0.5 <= share(plans, lambda p: shapes.NO_WARNINGS in p.warnings) <= 0.65
    assert 0.2 <= share(plans, lambda p: shapes.CHOSE_NOT_TO_WARN in p.warnings) <= 0.35
    main = Counter(p.categories[0] for p in plans if p.categories)
    assert main.most_common(1)[0][0] == "M/M"
    assert 0.15 <= share(plans, lambda p: "Gen" in p.categories) <= 0.3
    gen_only = [p for p in plans if p.categories == ["Gen"]]
    assert not any(t in shapes.ROMANCE_FREEFORMS for p in gen_only for t in p.freeforms)
    chaptered = [p for p in plans if len(p.chapter_words) > 1]
    assert not any(t in shapes.ONE_SHOT_FREEFORMS for p in chaptered for t in p.freeforms)


def test_it_keeps_a_few_drafts_and_registered_only_works(plans: list[shapes.WorkPlan]) -> None:
    assert 0.015 <= share(plans, lambda p: p.draft) <= 0.05
    assert 0.08 <= share(plans, lambda p: p.restricted) <= 0.16
    assert not any(p.draft and p.restricted for p in plans)
    assert all(0 <= p.age_days <= shapes.DAYS_SPAN for p in plans)
    assert all(p.chapter_days[-1] <= p.age_days for p in plans)


# --- the command ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_fills_an_empty_archive() -> None:
    output = run_demo(works=12, seed=3)

    assert Work.objects.count() == 12
    assert Work.objects.filter(status=Status.DRAFT).exists()
    users = User.objects.annotate(defaults=Count("pseuds", filter=Q(pseuds__is_default=True)))
    assert users.count() >= 8
    for user in users:
        assert user.defaults == 1
        assert user.default_pseud().name == user.username
    assert Pseud.objects.filter(is_default=False).exists()
    assert Work.objects.filter(chapter_count__gt=1).exists()
    demo = User.objects.get(username=DEMO_USERNAME)
    assert demo.check_password(DEMO_PASSWORD)
    assert Work.objects.created_by(demo).filter(status=Status.DRAFT).exists()
    assert DEMO_PASSWORD in output and "Posted 12/12 works (100%)" in output


@pytest.mark.django_db
def test_it_tags_and_counts_every_work() -> None:
    run_demo(works=12, seed=3)

    for work in Work.objects.prefetch_related("tags"):
        assert work.fandoms, work.title
        assert work.warnings, work.title
        posted = Chapter.objects.filter(work=work, posted=True)
        assert work.word_count == (posted.aggregate(n=Sum("word_count"))["n"] or 0)
        assert work.chapter_count == posted.count()
        if work.status == Status.POSTED:
            assert work.word_count > 0
        else:
            assert work.word_count == 0 and work.published_at is None


@pytest.mark.django_db
def test_it_spreads_dates_over_two_years() -> None:
    run_demo(works=12, seed=3)

    now = timezone.now()
    for work in Work.objects.filter(status=Status.POSTED):
        assert work.published_at is not None and work.updated_at is not None
        assert timezone.is_aware(work.published_at)
        assert now - timedelta(days=shapes.DAYS_SPAN + 1) <= work.published_at
        assert work.published_at <= work.updated_at <= now
        for chapter in work.chapters.filter(posted=True):
            assert chapter.published_at is not None
            assert work.published_at <= chapter.published_at <= work.updated_at
    published = sorted(
        w.published_at for w in Work.objects.filter(status=Status.POSTED) if w.published_at
    )
    assert published[-1] - published[0] > timedelta(days=60)


@pytest.mark.django_db
def test_it_makes_the_same_archive_for_the_same_seed() -> None:
    def snapshot() -> list[tuple[str, int, str]]:
        return [
            (w.title, w.word_count, w.chapters.order_by("position")[0].text[:200])
            for w in Work.objects.order_by("pk")
        ]

    run_demo(works=6, seed=5)
    first = snapshot()
    Work.objects.all().delete()  # the accounts stay and are reused
    run_demo(works=6, seed=5)
    assert snapshot() == first


@pytest.mark.django_db
def test_it_refuses_an_archive_that_has_works() -> None:
    run_demo(works=5, seed=1)

    with pytest.raises(CommandError, match="already has 5 works; demo only fills an empty"):
        run_demo(works=5, seed=1)
    assert Work.objects.count() == 5


@pytest.mark.django_db
def test_it_skips_quietly_with_if_empty() -> None:
    run_demo(works=5, seed=1)

    output = run_demo(works=5, seed=1, if_empty=True)

    assert "skipped" in output
    assert Work.objects.count() == 5


@pytest.mark.django_db
def test_it_rejects_a_bad_work_count() -> None:
    with pytest.raises(CommandError, match="--works"):
        run_demo(works=0)


@pytest.mark.django_db
def test_it_accepts_text_as_a_no_op() -> None:
    run_demo(works=5, seed=2, text=True)
    assert Chapter.objects.exclude(html="").count() == Chapter.objects.count()
    for work in Work.objects.all():
        assert work.tags.filter(type=TagType.FANDOM).exists()


# --- the bulk loader -----------------------------------------------------------------------------


def _filter_pairs() -> set[tuple[int, int]]:
    return set(FilterTagging.objects.values_list("work_id", "tag_id"))


@pytest.mark.django_db
def test_it_loads_consistent_rows_in_bulk() -> None:
    output = run_demo(works=300, seed=4, bulk=True)

    assert "in bulk" in output and "Posted 300/300 works (100%)" in output
    assert Work.objects.count() == 300
    works = list(Work.objects.prefetch_related("tags", "chapters", "creatorships"))
    for work in works:
        assert work.creatorships.all(), work.pk
        assert work.fandoms and work.warnings, work.pk
        assert work.title_sort == title_sort_key(work.title)
        chapters = list(work.chapters.all())
        assert [c.position for c in chapters] == list(range(1, len(chapters) + 1))
        posted = [c for c in chapters if c.posted]
        assert work.chapter_count == len(posted)
        assert work.word_count == sum(c.word_count for c in posted)
        if work.status == Status.POSTED:
            assert posted and work.word_count > 0
            assert work.published_at and work.updated_at and work.published_at <= work.updated_at
        else:
            assert not posted and work.word_count == 0 and work.kudos_count == 0
        assert work.kudos_count <= work.hit_count
    # Counters are skewed: a few works carry most kudos.
    kudos = sorted((w.kudos_count for w in works), reverse=True)
    assert kudos[0] > 5 * statistics.median(kudos) >= 0 and sum(kudos[:30]) > sum(kudos) / 3

    # Filter tags (and the crossover flag kept with them) are exactly what
    # refresh_filter_tags computes from the same tags.
    loaded = _filter_pairs()
    crossovers = set(Work.objects.filter(crossover=True).values_list("pk", flat=True))
    refresh_filter_tags(w.pk for w in works)
    assert loaded == _filter_pairs()
    assert crossovers == set(Work.objects.filter(crossover=True).values_list("pk", flat=True))
    # Wrangling looks real: meta fandoms and meta tags come along, synonyms lead to canonicals.
    fandom = Tag.objects.get(name=shapes.FANDOMS[0].name)
    meta = Tag.objects.get(name=shapes.meta_fandom(fandom.name))
    assert meta in fandom.parents.all()
    assert set(FilterTagging.objects.filter(tag=fandom).values_list("work_id", flat=True)) <= set(
        FilterTagging.objects.filter(tag=meta).values_list("work_id", flat=True)
    )
    assert Tag.objects.filter(merger__isnull=False).exists()
    assert Tag.objects.get(name="Oneshot").merger == Tag.objects.get(name="One Shot")
    assert Tag.objects.unwrangled().exists()

    # Stored HTML is the text pipeline's own output.
    for chapter in Chapter.objects.all()[:200]:
        again = render_text(chapter.html, "html")
        assert (again.html, again.paragraphs) == (chapter.html, chapter.paragraph_count)
    for work in works[:100]:
        if work.summary:
            assert render_text(work.summary, "html", paragraph_ids=False).html == work.summary_html

    # The search index holds what reindexing would write.
    posted_works = [w for w in works if w.status == Status.POSTED]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid, title, tags, creators, meta, body FROM search_document")
            rows = {row[0]: row[1:] for row in cursor.fetchall()}
        assert set(rows) == {w.pk for w in posted_works}
        for text in search_texts(posted_works[:100]):
            assert rows[text.work_id] == (
                text.title,
                text.tags,
                text.creators,
                text.meta,
                text.body,
            )
    work = next(w for w in posted_works if not w.restricted and len(w.title.split()) >= 2)
    found = search_works(Work.objects.visible_to(AnonymousUser()).posted(), work.title)
    assert work in found.works

    # The demo login can log in and has a draft; the id sequences continue after the load.
    demo = User.objects.get(username=DEMO_USERNAME)
    assert demo.check_password(DEMO_PASSWORD)
    assert Work.objects.created_by(demo).filter(status=Status.DRAFT).exists()
    for user in User.objects.annotate(defaults=Count("pseuds", filter=Q(pseuds__is_default=True))):
        assert user.defaults == 1
    new = post_work(
        demo,
        WorkInput(
            warnings=["No Archive Warnings Apply"],
            title="After the load",
            fandoms=[fandom.name],
            text_format="text",
        ),
        ChapterInput(text="One more.", text_format="text"),
    )
    assert new.pk > max(w.pk for w in works)


@pytest.mark.django_db
def test_it_writes_full_chapter_text_in_bulk() -> None:
    run_demo(works=40, seed=6, bulk=True, text=True, max_words=8_000)

    chapters = list(Chapter.objects.select_related("work"))
    assert chapters
    for chapter in chapters:
        rendered = render_text(chapter.html, "html")
        assert rendered.html == chapter.html
        assert rendered.word_count == chapter.word_count
        assert chapter.word_count >= 100
    posted = list(Work.objects.filter(status=Status.POSTED))
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid, body FROM search_document")
            bodies = dict(cursor.fetchall())
        for text in search_texts(posted):
            assert bodies[text.work_id] == text.body
    assert max(w.word_count for w in posted) > 1_000


def test_it_composes_chapters_the_pipeline_would_write() -> None:
    paragraphs = [
        bulk._paragraph(b.text) for b in blocks(3, 3_000) if isinstance(b, prose.Paragraph)
    ]
    chapter = bulk.compose_chapter(random.Random(1), paragraphs, 2_500)
    rendered = render_text(chapter.html, "html")
    assert (rendered.html, rendered.word_count) == (chapter.html, chapter.words)
    assert html_to_text(chapter.html, sanitized=True) == chapter.text
    assert "<hr>" in chapter.html and chapter.words >= 2_500


def test_it_knows_every_tag_a_plan_uses() -> None:
    specs, links = wrangling._wrangling_specs(complete=True)
    names = {s.name for s in specs}
    rng = random.Random(9)
    for _ in range(3_000):
        plan = shapes.plan_work(rng)
        for name in (*plan.fandoms, *plan.relationships, *plan.characters, *plan.freeforms):
            assert name in names, name
    assert {p for _c, p in links} <= names


@pytest.mark.django_db
def test_it_rejects_a_bad_word_limit() -> None:
    with pytest.raises(CommandError, match="--max-words"):
        run_demo(works=5, max_words=10)
    assert not Work.objects.exists()
