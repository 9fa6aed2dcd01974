"""Check HTML for anything a browser could execute: a parse-based test helper.

``assert_nothing_executable(html)`` fails when the HTML has an element that runs code or
loads active content (script, style, svg, math, iframe, form, object...), an event-handler
attribute (``on...=``), a ``style`` attribute, a ``srcdoc`` attribute, or a URL attribute
with a ``javascript:``, ``vbscript:`` or ``data:`` URL. The HTML is read with the standard
library's parser, so attribute values are checked after character references are decoded
(``jav&#x09;ascript:`` is caught) and text that merely mentions ``<script>`` is not flagged.

For whole pages (which carry the site's own ``<script src=...>``), check the fragment that
holds user content, or filter :func:`executable_parts`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

FORBIDDEN_TAGS: frozenset[str] = frozenset(
    {
        "script", "style", "svg", "math", "iframe", "frame", "frameset", "form", "input",
        "button", "textarea", "select", "object", "embed", "applet", "base", "link", "meta",
        "template", "portal", "isindex",
    }
)  # fmt: skip
URL_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "href", "src", "action", "formaction", "xlink:href", "background", "poster", "srcset",
        "cite", "longdesc", "lowsrc", "dynsrc", "data", "codebase", "ping", "manifest", "icon",
        "profile", "usemap", "archive", "classid", "content",
    }
)  # fmt: skip
FORBIDDEN_ATTRIBUTES: frozenset[str] = frozenset({"style", "srcdoc"})
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "livescript:", "data:")
# What a browser ignores in a URL: ASCII whitespace and controls anywhere (tabs and newlines
# are removed inside the scheme, leading controls and spaces are stripped).
_URL_IGNORED = re.compile("[\x00-\x20\x7f]+")


def _dangerous_url(value: str) -> bool:
    return _URL_IGNORED.sub("", value).lower().startswith(DANGEROUS_SCHEMES)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            elif name in FORBIDDEN_ATTRIBUTES:
                self.problems.append(f"{name}= attribute on <{tag}>")
            elif value is not None and name in URL_ATTRIBUTES and _dangerous_url(value):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        if "[if" in data.lower() or "<script" in data.lower():
            self.problems.append("conditional or script-bearing comment")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration <![{data[:20]}")


def executable_parts(html: str) -> list[str]:
    """Return a description of each executable or active part of ``html`` (empty if none)."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    problems = checker.problems
    lowered = html.lower()
    for tag in ("script", "style", "svg", "math", "iframe", "form"):
        if f"<{tag}" in lowered and f"<{tag}> element" not in problems:
            problems.append(f"raw “<{tag}” in the markup")
    return problems


def assert_nothing_executable(html: str) -> None:
    """Fail (AssertionError) if ``html`` holds anything a browser could execute."""
    problems = executable_parts(html)
    assert not problems, f"executable HTML: {'; '.join(problems)}\n---\n{html[:2000]}"
