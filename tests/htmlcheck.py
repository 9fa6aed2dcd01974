"""Check HTML for anything a browser could execute: a parse-based test helper.

``assert_nothing_executable(html)`` fails when the HTML has an element that runs code or
loads active content (script, style, svg, math, iframe, form, object...), an event-handler
attribute (``on...=``), a ``style`` attribute, a ``srcdoc`` attribute, or a URL attribute
with a ``javascript:``, ``vbscript:`` or ``data:`` URL. The HTML is read with the standard
library's parser, so attribute values are checked after character references are decoded
(``jav&#x09;ascript:`` is caught) and text that merely mentions ``<script>`` is not flagged.

For whole pages, pass ``page=True``: the site's own forms, ``<meta>``/``<link>``, inline
``<svg>`` icons and ``<script src="/static/...">`` are then allowed, while inline scripts,
scripts from elsewhere, ``<style>`` elements, event handlers and dangerous URLs still fail.
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
# What a whole page may have that user content may not.
PAGE_TAGS: frozenset[str] = frozenset(
    {"form", "input", "button", "textarea", "select", "meta", "link", "svg", "template"}
)
STATIC_SCRIPT_PREFIX = "/static/"
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "livescript:", "data:")
# What a browser ignores in a URL: ASCII whitespace and controls anywhere (tabs and newlines
# are removed inside the scheme, leading controls and spaces are stripped).
_URL_IGNORED = re.compile("[\x00-\x20\x7f]+")


def _dangerous_url(value: str) -> bool:
    return _URL_IGNORED.sub("", value).lower().startswith(DANGEROUS_SCHEMES)


class _Checker(HTMLParser):
    def __init__(self, *, page: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.problems: list[str] = []
        self._in_script = False

    def _allowed_on_page(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in PAGE_TAGS:
            return True
        if tag == "script":
            src = dict(attrs).get("src") or ""
            return src.startswith(STATIC_SCRIPT_PREFIX) and not src.startswith("//")
        return False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS and not (self.page and self._allowed_on_page(tag, attrs)):
            self.problems.append(f"<{tag}> element")
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            elif name in FORBIDDEN_ATTRIBUTES and not (self.page and name == "style"):
                self.problems.append(f"{name}= attribute on <{tag}>")
            elif value is not None and name in URL_ATTRIBUTES and _dangerous_url(value):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_script = False

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and self.page and data.strip():
            self.problems.append("inline script")

    def parse_html_declaration(self, i: int) -> int:
        # Python 3.11's parser raises AssertionError on some "<![...": report, skip to ">".
        if self.rawdata.startswith("<![", i):
            self.problems.append("marked section <![")
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1
        return super().parse_html_declaration(i)

    def handle_comment(self, data: str) -> None:
        if "[if" in data.lower() or "<script" in data.lower():
            self.problems.append("conditional or script-bearing comment")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration <![{data[:20]}")


def executable_parts(html: str, *, page: bool = False) -> list[str]:
    """Return a description of each executable or active part of ``html`` (empty if none)."""
    checker = _Checker(page=page)
    checker.feed(html)
    checker.close()
    problems = checker.problems
    if not page:
        # Sanitized markup escapes "<" in text and attributes, so any "<script" is a tag.
        lowered = html.lower()
        for tag in ("script", "style", "svg", "math", "iframe", "form"):
            if f"<{tag}" in lowered and f"<{tag}> element" not in problems:
                problems.append(f"raw “<{tag}” in the markup")
    return problems


def assert_nothing_executable(html: str, *, page: bool = False) -> None:
    """Fail (AssertionError) if ``html`` holds anything a browser could execute.

    ``page=True`` checks a whole page (see the module docstring)."""
    problems = executable_parts(html, page=page)
    assert not problems, f"executable HTML: {'; '.join(problems)}\n---\n{html[:2000]}"
