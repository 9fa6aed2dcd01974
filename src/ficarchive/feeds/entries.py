"""Works and tags as feed entries, with absolute URLs on this site.

Works must come from ``Work.objects.for_listing()`` (creators and tags prefetched), so that an
entry costs no query."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from ficarchive.feeds.atom import ACQUISITION_REL, Category, Entry, Link, Person
from ficarchive.formats.exporters import FORMATS
from ficarchive.gifts.queries import shown_gifts
from ficarchive.tags.models import Tag, TagType
from ficarchive.tags.urlnames import tag_to_url
from ficarchive.text import html_to_text
from ficarchive.works.models import Rating, Work

# Tags by type, in the order the work page lists them, with the label of each group.
TAG_GROUPS = {
    TagType.FANDOM: "Fandoms",
    TagType.WARNING: "Archive warnings",
    TagType.CATEGORY: "Categories",
    TagType.RELATIONSHIP: "Relationships",
    TagType.CHARACTER: "Characters",
    TagType.FREEFORM: "Additional tags",
}
TAG_RANK: dict[str, int] = {str(tag_type): rank for rank, tag_type in enumerate(TAG_GROUPS)}
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}")


@dataclass(frozen=True)
class Site:
    """Absolute URLs on this site, from the request's scheme and host."""

    base: str  # "https://archive.example" (no trailing slash)

    @classmethod
    def of(cls, request: HttpRequest) -> Site:
        return cls(request.build_absolute_uri("/").rstrip("/"))

    def url(self, path: str) -> str:
        return self.base + path


def tag_path(tag_name: str) -> str:
    """Return the escaped URL path segment of a tag name, as Tag.get_absolute_url() builds it."""
    return quote(tag_to_url(tag_name), safe="*")


def latest(works: list[Work], default: datetime) -> datetime:
    """Return when the newest of these works was updated (``default`` when there are none)."""
    moments = [_updated(work) for work in works]
    return max(moments, default=default)


def _updated(work: Work) -> datetime:
    return work.updated_at or work.published_at or work.created_at


def _categories(work: Work) -> list[Category]:
    # By type, each type in the writer's order (a stable sort keeps ordered_tags' order).
    tags = sorted(work.ordered_tags(), key=lambda t: TAG_RANK.get(t.type, len(TAG_RANK)))
    return [Category(term=tag.name, label=tag.name) for tag in tags]


def _tag_line(label: str, tags: list[Tag], site: Site) -> str:
    if not tags:
        return ""
    links = format_html_join(
        ", ", '<a href="{}">{}</a>', ((site.url(t.get_absolute_url()), t.name) for t in tags)
    )
    return format_html("<p>{}: {}</p>", label, links)


def content_html(work: Work, site: Site) -> str:
    """Return the entry's HTML content: rating, words and chapters, the tags by type, then the
    summary (stored sanitized HTML)."""
    facts = format_html(
        "<p>Rating: {} · Words: {} · Chapters: {} · Language: {}</p>",
        Rating(work.rating).label if work.rating in Rating.values else work.rating,
        intcomma(work.word_count),
        work.chapters_label,
        work.language_name,
    )
    by_type = [
        _tag_line(label, work.tags_of(tag_type), site) for tag_type, label in TAG_GROUPS.items()
    ]
    gifts = [gift.display_name for gift in shown_gifts(work)]
    if gifts:
        facts += format_html("<p>For {}</p>", ", ".join(gifts))
    summary = ""
    if work.summary_html:
        # Stored summaries are sanitized by the text pipeline when saved.
        summary = "<div>" + work.summary_html + "</div>"
    return facts + "".join(by_type) + summary


def _authors(work: Work, site: Site) -> list[Person]:
    if work.anonymous:
        return [Person(name="Anonymous")]
    return [
        Person(name=str(pseud), uri=site.url(quote(pseud.get_absolute_url())))
        for pseud in work.byline_pseuds()
    ]


def work_entry(work: Work, site: Site) -> Entry:
    """Return the Atom entry for a work in a tag feed: summary as HTML, metadata as content."""
    return Entry(
        id=site.url(work.get_absolute_url()),
        title=work.title,
        updated=_updated(work),
        published=work.published_at,
        authors=_authors(work, site),
        categories=_categories(work),
        links=[Link(site.url(work.get_absolute_url()), "alternate", "text/html")],
        summary=work.summary_html,
        summary_type="html",
        content=content_html(work, site),
        content_type="html",
    )


def language_tag(work: Work) -> str:
    """Return a well-formed BCP 47 tag for the work's language ("und" when unknown), as the
    EPUB's dc:language (formats.exporters.document.ExportWork.language_tag)."""
    if work.language != "other" and _LANGUAGE_TAG.fullmatch(work.language):
        return work.language
    return "und"


def identifier(work: Work) -> str:
    """Return the urn:uuid the work's EPUB carries as dc:identifier (the same derivation as
    ExportWork.identifier; a test keeps them equal)."""
    name = f"ficarchive:{settings.SITE_NAME}:work:{work.pk}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def acquisition_entry(work: Work, site: Site) -> Entry:
    """Return the OPDS acquisition entry for a work: a plain-text summary, the metadata as HTML
    content, one acquisition link per download format (EPUB first) and the work page."""
    links = [Link(site.url(work.get_absolute_url()), "alternate", "text/html", "Read online")]
    if work.chapter_count:
        links = [
            Link(
                site.url(f"/works/{work.pk}/download/{fmt.name}/"),
                ACQUISITION_REL,
                fmt.content_type.split(";")[0],
                fmt.label,
            )
            for fmt in FORMATS.values()
        ] + links
    summary = html_to_text(work.summary_html, sanitized=True).strip() if work.summary_html else ""
    return Entry(
        id=site.url(work.get_absolute_url()),
        title=work.title,
        updated=_updated(work),
        published=work.published_at,
        authors=_authors(work, site),
        categories=_categories(work),
        links=links,
        summary=summary,
        content=content_html(work, site),
        content_type="html",
        language=language_tag(work),
        identifier=identifier(work),
    )
