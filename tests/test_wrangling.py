"""Tag wrangling: synonyms, parents and meta tags, the filter-tags table, the wrangling queue,
tag pages and autocomplete."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from ficarchive.accounts.actions import sign_up
from ficarchive.accounts.models import User
from ficarchive.tags.actions import (
    add_parent,
    find_or_create_tags,
    grant_wrangling,
    make_canonical,
    make_synonym,
    remove_parent,
    unmake_synonym,
)
from ficarchive.tags.filtering import refresh_all_filter_tags
from ficarchive.tags.models import FilterTagging, Tag, TagParent, TagType
from ficarchive.works.actions import WorkInput, update_work
from ficarchive.works.models import Work
from tests.conftest import PASSWORD, client_for, hostile_corpus, make_work

pytestmark = pytest.mark.django_db


@pytest.fixture
def wrangler(db: None) -> User:
    user = sign_up("wrangler", "wrangler@example.org", PASSWORD)
    grant_wrangling(user)
    return user


def tag(name: str, tag_type: str = TagType.RELATIONSHIP, *, canonical: bool = False) -> Tag:
    found = find_or_create_tags(tag_type, [name])[0]
    if canonical and not found.canonical:
        found.canonical = True
        found.save(update_fields=["canonical"])
    return found


def filter_names(work: Work) -> set[str]:
    return set(FilterTagging.objects.filter(work=work).values_list("tag__name", flat=True)) - set(
        Tag.objects.filter(type__in=["warning", "category"]).values_list("name", flat=True)
    )


def bebop_work(author: User, title: str = "Ballad", **fields: list[str]) -> Work:
    return make_work(author, title, fandoms=("Cowboy Bebop",), **fields)  # type: ignore[arg-type]


# The filter-tags table ------------------------------------------------------------------


def test_it_fills_filter_tags_when_posting(author: User) -> None:
    work = bebop_work(
        author,
        relationships=["Spike/Julia"],
        characters=["Faye Valentine"],
        warnings=["No Archive Warnings Apply"],
        categories=["F/M"],
    )
    assert filter_names(work) == {"Cowboy Bebop", "Spike/Julia", "Faye Valentine"}
    fixed = FilterTagging.objects.filter(work=work, tag__type__in=["warning", "category"])
    assert {f.tag.name for f in fixed} == {"No Archive Warnings Apply", "F/M"}


def test_it_follows_edits_of_a_works_tags(author: User) -> None:
    work = bebop_work(author, relationships=["Spike/Julia"])
    julia = tag("Spike Spiegel/Julia", canonical=True)
    TagParent.objects.create(child=julia, parent=tag("Bebop Ships", canonical=True))
    data = WorkInput(
        warnings=["No Archive Warnings Apply"],
        title="Ballad",
        fandoms=["Cowboy Bebop"],
        relationships=["Spike Spiegel/Julia"],
        text_format="text",
    )
    update_work(author, work, data)
    assert filter_names(work) == {"Cowboy Bebop", "Spike Spiegel/Julia", "Bebop Ships"}


def test_it_merges_synonyms_into_the_canonical_tag(author: User, wrangler: User) -> None:
    one = bebop_work(author, "One", relationships=["Spike/Julia"])
    two = bebop_work(author, "Two", relationships=["Julia/Spike Spiegel"])
    canonical = tag("Spike Spiegel/Julia", canonical=True)
    make_synonym(wrangler, tag("Spike/Julia"), canonical)
    make_synonym(wrangler, tag("Julia/Spike Spiegel"), canonical)
    assert filter_names(one) == {"Cowboy Bebop", "Spike Spiegel/Julia"}
    assert filter_names(two) == {"Cowboy Bebop", "Spike Spiegel/Julia"}
    page = client_for(None).get("/tags/Spike Spiegel*s*Julia/works/")
    assert b"One" in page.content and b"Two" in page.content
    detail = client_for(None).get("/tags/Spike Spiegel*s*Julia/").content.decode()
    assert "Spike/Julia" in detail and "Julia/Spike Spiegel" in detail and "One" in detail

    unmake_synonym(wrangler, tag("Spike/Julia"))
    assert filter_names(one) == {"Cowboy Bebop", "Spike/Julia"}


def test_a_synonyms_page_explains_and_links_its_canonical_tag(author: User, wrangler: User) -> None:
    bebop_work(author, "One", relationships=["Spike/Julia"])
    make_synonym(wrangler, tag("Spike/Julia"), tag("Spike Spiegel/Julia", canonical=True))
    html = client_for(None).get("/tags/Spike*s*Julia/").content.decode()
    assert "a synonym of" in html
    assert 'href="/tags/Spike%20Spiegel*s*Julia/"' in html
    works = client_for(None).get("/tags/Spike*s*Julia/works/?page=2")
    assert works.status_code == 302
    assert works["Location"] == "/tags/Spike%20Spiegel*s*Julia/works/?page=2"


def test_meta_tags_hold_their_sub_tags_works(author: User, wrangler: User) -> None:
    work = make_work(author, "Anime", fandoms=("Cowboy Bebop (Anime)",))
    anime = Tag.objects.get(name="Cowboy Bebop (Anime)")
    meta = tag("Cowboy Bebop", TagType.FANDOM)
    top = tag("Space Westerns", TagType.FANDOM, canonical=True)
    make_canonical(wrangler, anime)
    make_canonical(wrangler, meta)
    add_parent(wrangler, anime, meta)
    add_parent(wrangler, meta, top)
    assert filter_names(work) == {"Cowboy Bebop (Anime)", "Cowboy Bebop", "Space Westerns"}
    assert b"Anime" in client_for(None).get("/tags/Cowboy Bebop/works/").content
    remove_parent(wrangler, meta, top)
    assert filter_names(work) == {"Cowboy Bebop (Anime)", "Cowboy Bebop"}
    # A synonym of the sub tag reaches the whole chain too.
    other = make_work(author, "Other", fandoms=("カウボーイビバップ",))
    make_synonym(wrangler, Tag.objects.get(name="カウボーイビバップ"), anime)
    assert filter_names(other) == {"Cowboy Bebop (Anime)", "Cowboy Bebop"}


def test_a_characters_fandom_is_not_inherited(author: User, wrangler: User) -> None:
    work = make_work(author, "Crossover", fandoms=("Trigun",), characters=["Spike Spiegel"])
    spike = Tag.objects.get(name="Spike Spiegel")
    make_canonical(wrangler, spike)
    add_parent(wrangler, spike, tag("Cowboy Bebop", TagType.FANDOM, canonical=True))
    assert filter_names(work) == {"Trigun", "Spike Spiegel"}
    assert not Tag.objects.unwrangled().filter(pk=spike.pk).exists()


def test_making_a_canonical_tag_a_synonym_moves_its_synonyms_and_sub_tags(
    author: User, wrangler: User
) -> None:
    old = tag("Bebop", TagType.FANDOM, canonical=True)
    new = tag("Cowboy Bebop", TagType.FANDOM, canonical=True)
    old_syn = tag("CB", TagType.FANDOM)
    make_synonym(wrangler, old_syn, old)
    sub = tag("Bebop Movie", TagType.FANDOM, canonical=True)
    add_parent(wrangler, sub, old)
    spike = tag("Spike Spiegel", TagType.CHARACTER, canonical=True)
    add_parent(wrangler, spike, old)
    work = make_work(author, "Movie", fandoms=("Bebop Movie", "CB"))
    make_synonym(wrangler, old, new)
    old_syn.refresh_from_db()
    assert old_syn.merger_id == new.pk
    assert set(new.children.values_list("name", flat=True)) == {"Bebop Movie", "Spike Spiegel"}
    assert not TagParent.objects.filter(parent=old).exists()
    assert filter_names(work) == {"Bebop Movie", "Cowboy Bebop"}


def test_it_refuses_chains_type_mismatches_and_cycles(wrangler: User) -> None:
    canonical = tag("Spike Spiegel/Julia", canonical=True)
    synonym = tag("Spike/Julia")
    make_synonym(wrangler, synonym, canonical)
    with pytest.raises(ValidationError, match="not canonical"):
        make_synonym(wrangler, tag("S/J"), synonym)
    with pytest.raises(ValidationError, match="itself"):
        make_synonym(wrangler, canonical, canonical)
    with pytest.raises(ValidationError, match="type"):
        make_synonym(wrangler, tag("Julia", TagType.CHARACTER), canonical)
    with pytest.raises(ValidationError, match="synonym"):
        add_parent(wrangler, synonym, tag("Cowboy Bebop", TagType.FANDOM, canonical=True))
    with pytest.raises(ValidationError, match="cannot be a parent"):
        add_parent(wrangler, tag("Cowboy Bebop", TagType.FANDOM), canonical)
    a = tag("A", TagType.FREEFORM, canonical=True)
    b = tag("B", TagType.FREEFORM, canonical=True)
    c = tag("C", TagType.FREEFORM, canonical=True)
    add_parent(wrangler, b, a)
    add_parent(wrangler, c, b)
    with pytest.raises(ValidationError, match="loop"):
        add_parent(wrangler, a, c)
    with pytest.raises(ValidationError, match="loop"):
        add_parent(wrangler, a, a)
    with pytest.raises(ValidationError, match="sub tag"):
        make_synonym(wrangler, a, c)
    with pytest.raises(ValidationError, match="fixed"):
        make_canonical(wrangler, Tag.objects.get(name="Gen"))


def test_filter_tags_survive_a_cycle_that_slipped_in(author: User) -> None:
    a = tag("A", TagType.FREEFORM, canonical=True)
    b = tag("B", TagType.FREEFORM, canonical=True)
    TagParent.objects.create(child=a, parent=b)
    TagParent.objects.create(child=b, parent=a)  # written around the actions' checks
    work = make_work(author, freeforms=["A"])
    assert filter_names(work) == {"Cowboy Bebop", "A", "B"}


def test_refresh_all_and_the_command_rebuild_the_table(author: User, wrangler: User) -> None:
    works = [bebop_work(author, f"W{i}", relationships=["Spike/Julia"]) for i in range(3)]
    FilterTagging.objects.all().delete()
    # Each work: its fandom, its relationship and its archive warning.
    assert refresh_all_filter_tags(batch_size=2) == 3 * 3 + 0
    assert filter_names(works[0]) == {"Cowboy Bebop", "Spike/Julia"}
    FilterTagging.objects.all().delete()
    out = StringIO()
    call_command("refresh-filter-tags", "--batch-size", "1", stdout=out)
    assert "3 works, 9 filter tags" in out.getvalue()
    assert FilterTagging.objects.count() == 9


# Who may wrangle ------------------------------------------------------------------------


def test_only_wranglers_may_wrangle(author: User, reader: User, stranger: User) -> None:
    spike = tag("Spike Spiegel", TagType.CHARACTER)
    for user in (author, reader, stranger):
        with pytest.raises(PermissionDenied):
            make_canonical(user, spike)
        assert client_for(user).get("/tags/wrangle/").status_code == 403
        response = client_for(user).post("/tags/wrangle/", {"tag": spike.pk, "action": "canonical"})
        assert response.status_code == 403
        assert b"Wrangle tags" not in client_for(user).get("/works/").content
    assert client_for(None).get("/tags/wrangle/").status_code == 302  # to log in
    spike.refresh_from_db()
    assert not spike.canonical


def test_staff_and_group_members_may_wrangle(wrangler: User, stranger: User) -> None:
    stranger.is_staff = True
    stranger.save(update_fields=["is_staff"])
    for user in (wrangler, stranger):
        assert client_for(user).get("/tags/wrangle/").status_code == 200
        assert b'href="/tags/wrangle/"' in client_for(user).get("/works/").content


# The queue and its forms ----------------------------------------------------------------


def test_the_queue_lists_unwrangled_tags_per_fandom_and_wrangles_them(
    author: User, wrangler: User
) -> None:
    bebop_work(author, "One", relationships=["Spike/Julia"], characters=["Jet Black"])
    bebop_work(author, "Two", relationships=["Spike/Julia"], freeforms=["Rain"])
    make_work(author, "Elsewhere", fandoms=("Trigun",), characters=["Vash"])
    canonical = tag("Spike Spiegel/Julia", canonical=True)
    client = client_for(wrangler)
    fandoms = client.get("/tags/wrangle/").content.decode()
    assert "Cowboy Bebop" in fandoms and "Trigun" in fandoms and "Jet Black" not in fandoms
    make_canonical(wrangler, Tag.objects.get(name="Cowboy Bebop"))
    html = client.get("/tags/wrangle/?fandom=cowboy bebop").content.decode()
    assert "Spike/Julia" in html and "used on 2 works" in html
    assert "Jet Black" in html and "Rain" in html and "Vash" not in html
    assert 'for="synonym-' in html and "csrfmiddlewaretoken" in html
    spike_julia = Tag.objects.get(name="Spike/Julia")
    url = "/tags/wrangle/?fandom=Cowboy+Bebop"
    response = client.post(
        url, {"tag": spike_julia.pk, "action": "synonym", "target": "spike spiegel/julia"}
    )
    assert response.status_code == 302 and response["Location"] == url
    spike_julia.refresh_from_db()
    assert spike_julia.merger == canonical
    jet = Tag.objects.get(name="Jet Black")
    client.post(url, {"tag": jet.pk, "action": "canonical"})
    client.post(url, {"tag": jet.pk, "action": "parent", "target": "Cowboy Bebop"})
    jet.refresh_from_db()
    assert jet.canonical and jet.parents.get().name == "Cowboy Bebop"
    client.get(url)  # shows (and so clears) the messages
    html = client.get(url).content.decode()
    assert "Jet Black" not in html and "Spike/Julia" not in html and "Rain" in html
    assert (
        b"Spike/Julia" in client.get("/tags/Spike Spiegel*s*Julia/").content
    )  # listed as a synonym


def test_the_queue_says_what_went_wrong(author: User, wrangler: User) -> None:
    bebop_work(author, relationships=["Spike/Julia"])
    spike_julia = Tag.objects.get(name="Spike/Julia")
    client = client_for(wrangler)
    for data, message in [
        ({"tag": spike_julia.pk, "action": "synonym", "target": "Nobody"}, "No tag is named"),
        ({"tag": spike_julia.pk, "action": "synonym", "target": ""}, "Type the name"),
        ({"tag": spike_julia.pk, "action": "synonym", "target": "Cowboy Bebop"}, "type"),
        ({"tag": 10**30, "action": "canonical"}, "Nothing changed"),
        ({"tag": "x", "action": "explode"}, "Nothing changed"),
    ]:
        response = client.post("/tags/wrangle/", data, follow=True)
        assert response.status_code == 200
        assert message in response.content.decode(), data


def test_the_queue_and_the_tag_page_use_a_fixed_number_of_queries(
    author: User, wrangler: User, django_assert_max_num_queries: object
) -> None:
    bebop = tag("Cowboy Bebop", TagType.FANDOM, canonical=True)
    for i in range(2):
        bebop_work(author, f"S{i}", characters=[f"C{i}"], freeforms=[f"F{i}"])
        make_work(author, f"U{i}", fandoms=(f"Fandom {i}",))
    TagParent.objects.create(child=tag("Child", TagType.FANDOM, canonical=True), parent=bebop)
    make_synonym(wrangler, tag("Bebop", TagType.FANDOM), bebop)
    client = client_for(wrangler)
    urls = ["/tags/wrangle/?fandom=Cowboy Bebop", "/tags/wrangle/", "/tags/Cowboy Bebop/"]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(20) as few:  # type: ignore[operator]
            assert client.get(url).status_code == 200
        counts[url] = len(few.captured_queries)
    for i in range(2, 30):
        bebop_work(author, f"S{i}", characters=[f"C{i}"], freeforms=[f"F{i}"])
        make_work(author, f"U{i}", fandoms=(f"Fandom {i}",))
        child = tag(f"Child {i}", TagType.FANDOM, canonical=True)
        TagParent.objects.create(child=child, parent=bebop)
        make_synonym(wrangler, tag(f"Bebop {i}", TagType.FANDOM), bebop)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):  # type: ignore[operator]
            assert client.get(url).status_code == 200


# Autocomplete ---------------------------------------------------------------------------


def test_autocomplete_offers_canonical_tags_by_prefix(wrangler: User) -> None:
    for name in ["Cowboy Bebop", "Cowboy Bebop (Anime)", "Cowgirl", "Trigun", "Cow Tipping"]:
        tag(name, TagType.FANDOM, canonical=name != "Cow Tipping")
    tag("Cowboys", TagType.CHARACTER, canonical=True)
    response = client_for(None).get("/tags/autocomplete/?type=fandom&q=cOwB")
    assert response.status_code == 200
    names = [t["name"] for t in response.json()["tags"]]
    assert names == ["Cowboy Bebop", "Cowboy Bebop (Anime)"]
    assert response.json()["tags"][0]["url"] == "/tags/Cowboy%20Bebop/"
    names = [
        t["name"]
        for t in client_for(None).get("/tags/autocomplete/?type=fandom&q=cow").json()["tags"]
    ]
    assert names == ["Cowboy Bebop", "Cowboy Bebop (Anime)", "Cowgirl"]
    assert client_for(None).get("/tags/autocomplete/?type=fandom&q=").json() == {"tags": []}
    assert client_for(None).get("/tags/autocomplete/?type=nope&q=cow").status_code == 400


def test_autocomplete_limits_to_ten() -> None:
    for i in range(15):
        tag(f"Cowboy {i:02}", TagType.CHARACTER, canonical=True)
    tags = client_for(None).get("/tags/autocomplete/?type=character&q=cowboy").json()["tags"]
    assert len(tags) == 10 and tags[0]["name"] == "Cowboy 00"


def test_the_work_form_loads_the_autocomplete_script(author: User) -> None:
    html = client_for(author).get("/works/new/").content.decode()
    assert "/static/ficarchive/tag-autocomplete.js" in html
    assert 'id="id_fandoms"' in html


# Hostile input --------------------------------------------------------------------------


def hostile() -> list[str]:
    return list(hostile_corpus())


def test_hostile_input_never_breaks_wrangling_or_autocomplete(author: User, wrangler: User) -> None:
    bebop_work(author, relationships=["Spike/Julia"])
    tag("Cowboy Bebop", TagType.FANDOM, canonical=True)
    spike_julia = Tag.objects.get(name="Spike/Julia")
    client = client_for(wrangler)
    guest = client_for(None)
    for index, payload in enumerate(hostile()):
        action = ("synonym", "parent", "remove_parent")[index % 3]
        response = client.post(
            "/tags/wrangle/", {"tag": spike_julia.pk, "action": action, "target": payload}
        )
        assert response.status_code == 302, payload
        response = guest.get("/tags/autocomplete/", {"type": "fandom", "q": payload})
        assert response.status_code == 200, payload
        response = client.get("/tags/wrangle/", {"fandom": payload})
        assert response.status_code == 200, payload
    spike_julia.refresh_from_db()
    assert spike_julia.merger is None and not spike_julia.parents.exists()
