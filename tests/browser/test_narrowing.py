"""A reader narrows a large demo archive down to one story with the filters, a facet and a
search inside the results."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    LiveServer,
    NewContext,
    proceed_past_adult_notice,
    running_server,
)

pytestmark = pytest.mark.browser

LARGE = 2500  # works: above the demo's bulk threshold, so this is the bulk loader's archive

# Finds a posted public work that its fandom, rating, one of its additional tags and its
# title single out, and prints what a reader would know about it.
FIND_TARGET = """
import json
from ficarchive.tags.models import FilterTagging
from ficarchive.works.models import Work
works = Work.objects.filter(status="posted", restricted=False, hidden=False).prefetch_related("tags")
for work in works.order_by("pk")[:400]:
    fandoms = [t for t in work.tags.all() if t.type == "fandom" and t.canonical]
    free = [t for t in work.tags.all() if t.type == "freeform" and t.canonical]
    if not fandoms or not free or len(work.title.split()) < 2:
        continue
    same = Work.objects.filter(status="posted", restricted=False, rating=work.rating, title__iexact=work.title)
    for tag in (fandoms[0], free[0]):
        same = same.filter(pk__in=FilterTagging.objects.filter(tag=tag).values("work_id"))
    if same.count() == 1:
        print(json.dumps({
            "title": work.title, "fandom": fandoms[0].name, "freeform": free[0].name,
            "rating": work.get_rating_display(),
            "tags": list(FilterTagging.objects.filter(work=work).values_list("tag__name", flat=True)),
        }))
        break
"""


@pytest.fixture(scope="module")
def large_archive(
    tmp_path_factory: pytest.TempPathFactory, chromium_executable: str
) -> Iterator[LiveServer]:
    with running_server(
        tmp_path_factory.mktemp("ficarchive-large"), "--works", str(LARGE), "--seed", "7"
    ) as server:
        yield server


def shown_count(page: Page) -> int:
    text = page.locator("#result-count").inner_text()
    match = re.search(r"of ([\d,]+) works?", text)
    assert match, f"{page.url}: {text}"
    return int(match.group(1).replace(",", ""))


def filter_and_wait(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sort and filter").click()


def test_a_reader_narrows_a_large_archive_to_one_story(
    large_archive: LiveServer, new_context: NewContext
) -> None:
    printed = large_archive.shell(FIND_TARGET)
    target = json.loads(next(line for line in printed.splitlines() if line.startswith("{")))
    page = new_context(base_url=large_archive.url).new_page()

    page.goto("/works/")
    total = shown_count(page)
    assert total > 2000

    # A fandom, typed into the filter form.
    page.get_by_label("Another tag to include").fill(target["fandom"])
    filter_and_wait(page)
    expect(page).to_have_url(re.compile(r"include="))
    in_fandom = shown_count(page)
    assert 0 < in_fandom < total

    # One click on a facet: leave out a tag the story doesn't have.
    facets = page.get_by_role("region", name="In these results")
    excluded = next(
        name
        for name in facets.locator(".facet-name").all_inner_texts()
        if name not in target["tags"]
    )
    with page.expect_navigation():
        facets.get_by_role("link", name=f"Exclude {excluded}", exact=True).click()
    expect(page.get_by_role("checkbox", name=excluded, exact=True)).to_be_checked()
    without = shown_count(page)
    assert without < in_fandom

    # Its rating, an additional tag, and a sort order.
    page.get_by_role("checkbox", name=target["rating"], exact=True).check()
    page.get_by_label("Another tag to include").fill(target["freeform"])
    page.get_by_label("Sort by").select_option(label="Kudos")
    filter_and_wait(page)
    narrowed = shown_count(page)
    assert narrowed <= without

    # Words from its title, searched for inside these results.
    page.get_by_label("Search within results").fill(f'"{target["title"]}"')
    filter_and_wait(page)
    expect(page.locator("#result-count")).to_contain_text("1–1 of 1 work")
    results = page.locator(".work-list")
    results.get_by_role("link", name=target["title"], exact=True).click()
    proceed_past_adult_notice(page)  # a demo work may be Mature, Explicit or Not Rated
    expect(page.get_by_role("heading", level=1)).to_have_text(target["title"])
