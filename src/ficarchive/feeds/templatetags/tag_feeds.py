"""Template filters for tag pages: `{% if tag|has_feed %}<a href="{{ tag|feed_url }}">`."""

from __future__ import annotations

from django import template

from ficarchive.feeds.views import FEED_TAG_TYPES, tag_feed_url
from ficarchive.tags.models import Tag

register = template.Library()


@register.filter
def has_feed(tag: Tag) -> bool:
    """Return whether the tag has an Atom feed (fandom, character and relationship tags)."""
    return tag.type in FEED_TAG_TYPES


@register.filter
def feed_url(tag: Tag) -> str:
    """Return the path of the tag's Atom feed."""
    return tag_feed_url(tag)
