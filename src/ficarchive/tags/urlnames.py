"""Tag names in URLs: characters that break paths are written as AO3 writes them
("/" as "*s*", "&" as "*a*", "." as "*d*", "?" as "*q*", "#" as "*h*")."""

from __future__ import annotations

ESCAPES = [("/", "*s*"), ("&", "*a*"), (".", "*d*"), ("?", "*q*"), ("#", "*h*")]


def tag_to_url(name: str) -> str:
    """Return the URL path segment for a tag name (before percent-encoding)."""
    for raw, escaped in ESCAPES:
        name = name.replace(raw, escaped)
    return name


def tag_from_url(segment: str) -> str:
    """Return the tag name a URL path segment stands for."""
    for raw, escaped in ESCAPES:
        segment = segment.replace(escaped, raw)
    return segment


class TagNameConverter:
    regex = r"[^/]+"

    def to_python(self, value: str) -> str:
        return tag_from_url(value)

    def to_url(self, value: str) -> str:
        return tag_to_url(value)
