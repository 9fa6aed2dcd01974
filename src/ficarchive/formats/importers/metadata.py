"""Map what files say about a work (header lines, front matter) onto ParsedWork fields.

Files say "Rating: T", "rated M", "warnings: none", "category: slash", "Pairing: A/B"; the
archive wants AO3's canonical ratings, warnings and categories. Anything that cannot be
mapped is kept (as a tag) or reported in ``ParsedWork.warnings``, never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

from ficarchive.formats.parsed import ParsedWork
from ficarchive.works import languages

# Canonical field for each way a file may name it (lower case, single spaces).
FIELD_BY_KEY: dict[str, str] = {
    "title": "title",
    "work title": "title",
    "author": "author",
    "authors": "author",
    "by": "author",
    "writer": "author",
    "creator": "author",
    "pseud": "author",
    "fandom": "fandoms",
    "fandoms": "fandoms",
    "rating": "rating",
    "rated": "rating",
    "warning": "archive_warnings",
    "warnings": "archive_warnings",
    "archive warning": "archive_warnings",
    "archive warnings": "archive_warnings",
    "category": "categories",
    "categories": "categories",
    "character": "characters",
    "characters": "characters",
    "pairing": "relationships",
    "pairings": "relationships",
    "relationship": "relationships",
    "relationships": "relationships",
    "ship": "relationships",
    "ships": "relationships",
    "tag": "tags",
    "tags": "tags",
    "additional tags": "tags",
    "freeform": "tags",
    "freeforms": "tags",
    "summary": "summary",
    "description": "summary",
    "blurb": "summary",
    "notes": "notes",
    "end notes": "end_notes",
    "endnotes": "end_notes",
    "language": "language",
    "lang": "language",
    "complete": "complete",
    "completed": "complete",
    "status": "complete",
    "published": "published",
    "date published": "published",
    "posted": "published",
    "date": "published",
    "updated": "updated",
    "date updated": "updated",
    "last updated": "updated",
    "completed on": "updated",
}
# Statistics and dates that files carry and the archive computes itself.
IGNORED_KEYS: frozenset[str] = frozenset(
    {
        "words", "word count", "wordcount", "chapters", "series", "id", "url", "link", "source",
        "kudos", "hits", "comments", "bookmarks", "stats", "layout", "draft", "packaged",
        "story url", "author url", "publisher", "site", "story id", "author id",
    }
)  # fmt: skip

RATING_BY_NAME: dict[str, str] = {
    "not rated": "Not Rated",
    "unrated": "Not Rated",
    "nr": "Not Rated",
    "none": "Not Rated",
    "general audiences": "General Audiences",
    "general audience": "General Audiences",
    "general": "General Audiences",
    "gen": "General Audiences",
    "g": "General Audiences",
    "k": "General Audiences",
    "k+": "General Audiences",
    "everyone": "General Audiences",
    "all ages": "General Audiences",
    "frc": "General Audiences",
    "fr7": "General Audiences",
    "teen and up audiences": "Teen And Up Audiences",
    "teen and up": "Teen And Up Audiences",
    "teen": "Teen And Up Audiences",
    "teens": "Teen And Up Audiences",
    "t": "Teen And Up Audiences",
    "pg": "Teen And Up Audiences",
    "pg-13": "Teen And Up Audiences",
    "pg13": "Teen And Up Audiences",
    "fr13": "Teen And Up Audiences",
    "mature": "Mature",
    "m": "Mature",
    "r": "Mature",
    "fr15": "Mature",
    "explicit": "Explicit",
    "e": "Explicit",
    "ma": "Explicit",
    "nc-17": "Explicit",
    "nc17": "Explicit",
    "x": "Explicit",
    "xxx": "Explicit",
    "adult": "Explicit",
    "adults only": "Explicit",
    "18+": "Explicit",
    "fr18": "Explicit",
}

WARNING_BY_NAME: dict[str, str] = {
    "choose not to use archive warnings": "Creator Chose Not To Use Archive Warnings",
    "creator chose not to use archive warnings": "Creator Chose Not To Use Archive Warnings",
    "author chose not to use archive warnings": "Creator Chose Not To Use Archive Warnings",
    "choose not to warn": "Creator Chose Not To Use Archive Warnings",
    "chose not to warn": "Creator Chose Not To Use Archive Warnings",
    "cntw": "Creator Chose Not To Use Archive Warnings",
    "graphic depictions of violence": "Graphic Depictions Of Violence",
    "graphic violence": "Graphic Depictions Of Violence",
    "violence": "Graphic Depictions Of Violence",
    "major character death": "Major Character Death",
    "character death": "Major Character Death",
    "mcd": "Major Character Death",
    "no archive warnings apply": "No Archive Warnings Apply",
    "no warnings apply": "No Archive Warnings Apply",
    "no warnings": "No Archive Warnings Apply",
    "none": "No Archive Warnings Apply",
    "no": "No Archive Warnings Apply",
    "rape/non-con": "Rape/Non-Con",
    "rape/non con": "Rape/Non-Con",
    "rape/noncon": "Rape/Non-Con",
    "non-con": "Rape/Non-Con",
    "noncon": "Rape/Non-Con",
    "rape": "Rape/Non-Con",
    "underage sex": "Underage Sex",
    "underage": "Underage Sex",
}

CATEGORY_BY_NAME: dict[str, str] = {
    "f/f": "F/F",
    "femslash": "F/F",
    "f/m": "F/M",
    "m/f": "F/M",
    "het": "F/M",
    "gen": "Gen",
    "general": "Gen",
    "m/m": "M/M",
    "slash": "M/M",
    "multi": "Multi",
    "multiple": "Multi",
    "poly": "Multi",
    "other": "Other",
}

LANGUAGE_BY_NAME: dict[str, str] = {
    "english": "en",
    "spanish": "es",
    "español": "es",
    "french": "fr",
    "français": "fr",
    "german": "de",
    "deutsch": "de",
    "italian": "it",
    "italiano": "it",
    "portuguese": "pt",
    "português": "pt",
    "brazilian portuguese": "pt-BR",
    "russian": "ru",
    "русский": "ru",
    "polish": "pl",
    "polski": "pl",
    "dutch": "nl",
    "nederlands": "nl",
    "japanese": "ja",
    "日本語": "ja",
    "chinese": "zh",
    "中文": "zh",
    "korean": "ko",
    "한국어": "ko",
    "finnish": "fi",
    "suomi": "fi",
    "swedish": "sv",
    "svenska": "sv",
    "norwegian": "no",
    "norsk": "no",
    "danish": "da",
    "dansk": "da",
    "czech": "cs",
    "turkish": "tr",
    "vietnamese": "vi",
    "indonesian": "id",
    "ukrainian": "uk",
    "hebrew": "he",
    "arabic": "ar",
}

# The Archive of Our Own's language list (ficarchive.works.languages): name -> code.
AO3_LANGUAGES: dict[str, str] = {name: code for code, name in languages.AO3_LANGUAGES}
_AO3_BY_KEY: dict[str, str] = {}
for _name, _code in AO3_LANGUAGES.items():
    _AO3_BY_KEY[" ".join(_name.casefold().split())] = _code
    for _part in _name.split("|"):  # "Kurdî | کوردی": either spelling alone
        _AO3_BY_KEY.setdefault(" ".join(_part.casefold().split()), _code)


COMPLETE_BY_NAME: dict[str, bool] = {
    "complete": True,
    "completed": True,
    "finished": True,
    "yes": True,
    "true": True,
    "y": True,
    "done": True,
    "oneshot": True,
    "one-shot": True,
    "one shot": True,
    "in progress": False,
    "in-progress": False,
    "incomplete": False,
    "ongoing": False,
    "wip": False,
    "work in progress": False,
    "no": False,
    "false": False,
    "n": False,
    "hiatus": False,
    "on hiatus": False,
}

_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r"\s*[,;\n]\s*")
_KEY_SPACES = re.compile(r"[\s_\-]+")
MAX_TAG_LENGTH = 150

# Renders a summary or notes source to sanitized HTML (plain text or Markdown).
RenderNotes = Callable[[str], str]


def normalize_key(key: str) -> str:
    """Return a header or front-matter key in lower case with single spaces."""
    return _KEY_SPACES.sub(" ", key.strip().lower()).replace("\u2019", "'")


def _clean_name(value: str) -> str:
    return value.strip().strip("\"'“”").strip()


def split_list(value: object) -> list[str]:
    """Return the names in a comma-separated string or a list, stripped and de-duplicated."""
    items: Iterable[object]
    if isinstance(value, str):
        items = _LIST_SEPARATOR.split(value)
    elif isinstance(value, list | tuple):
        items = value
    elif value is None or isinstance(value, dict):
        return []
    else:
        items = [value]
    seen: set[str] = set()
    names: list[str] = []
    for item in items:
        if item is None or isinstance(item, dict | list | tuple):
            continue
        name = _clean_name(str(item))[:MAX_TAG_LENGTH]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def quote(value: object, limit: int = 60) -> str:
    """Return a short, quoted rendering of a file's value for a message to the user."""
    text = " ".join(value.split()) if isinstance(value, str) else type(value).__name__
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"“{text}”"


def _lookup_key(value: str) -> str:
    return " ".join(value.strip().lower().rstrip(".").split())


def map_rating(value: str) -> str | None:
    """Return the canonical rating for a rating as files write it, or None if unknown."""
    key = _lookup_key(value)
    key = key.removeprefix("rated ").removeprefix("rating ").strip()
    if key in RATING_BY_NAME:
        return RATING_BY_NAME[key]
    first = re.split(r"[\s(\[/,]", key, maxsplit=1)[0].rstrip(":-")
    return RATING_BY_NAME.get(first)


def map_language(value: str) -> str | None:
    """Return a language code ("en", "pt-br") for a code or a language name, or None."""
    key = _lookup_key(value)
    if key in LANGUAGE_BY_NAME:
        return LANGUAGE_BY_NAME[key]
    ao3 = _AO3_BY_KEY.get(" ".join(value.casefold().split()))
    if ao3 is not None:
        return ao3
    if _LANGUAGE_CODE.fullmatch(key):
        return key
    return None


def map_complete(value: object) -> bool | None:
    """Return True (complete), False (in progress) or None (unknown) for a status value."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return COMPLETE_BY_NAME.get(_lookup_key(value))
    return None


def _as_text(value: object, *, joiner: str) -> str:
    if value is None or isinstance(value, dict):
        return ""
    if isinstance(value, list | tuple):
        return joiner.join(str(item) for item in value if isinstance(item, str | int | float))
    return str(value)


def _extend(target: list[str], names: Iterable[str]) -> None:
    seen = {name.casefold() for name in target}
    for name in names:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            target.append(name)


def apply_field(
    work: ParsedWork, key: str, value: object, *, render_notes: RenderNotes, source: str
) -> bool:
    """Set the ParsedWork field that ``key`` names from ``value``; return False if the key
    means nothing to the archive (the caller may warn about it).

    ``source`` names where the value came from ("header", "front matter") in warnings.
    """
    normalized = normalize_key(key)
    if normalized in IGNORED_KEYS:
        return True
    name = FIELD_BY_KEY.get(normalized)
    if name is None:
        return False
    if name == "language" and value is False:
        value = "no"  # YAML 1.1 reads the Norwegian code `no` as false
    if name in ("title", "author"):
        text = " ".join(_as_text(value, joiner=", ").split())
        if text:
            setattr(work, name, text)
    elif name in ("summary", "notes", "end_notes"):
        text = _as_text(value, joiner="\n\n").strip()
        if text:
            setattr(work, name, render_notes(text))
    elif name == "rating":
        _apply_rating(work, _as_text(value, joiner=" "), source)
    elif name == "archive_warnings":
        _apply_mapped(work, split_list(value), WARNING_BY_NAME, work.archive_warnings, "warning")
    elif name == "categories":
        _apply_mapped(work, split_list(value), CATEGORY_BY_NAME, work.categories, "category")
    elif name == "language":
        _apply_language(work, _as_text(value, joiner=" "), source)
    elif name == "complete":
        _apply_complete(work, value, source)
    elif name in ("published", "updated"):
        _apply_date(work, name, value, source)
    else:
        target: list[str] = getattr(work, name)
        _extend(target, split_list(value))
    return True


def _apply_rating(work: ParsedWork, text: str, source: str) -> None:
    if not text.strip():
        return
    rating = map_rating(text)
    if rating is None:
        work.warnings.append(
            f"Unknown rating {quote(text)} in the {source}: choose the rating when you post."
        )
    else:
        work.rating = rating


def _apply_mapped(
    work: ParsedWork,
    names: list[str],
    table: dict[str, str],
    target: list[str],
    what: str,
) -> None:
    unknown: list[str] = []
    for name in names:
        canonical = table.get(_lookup_key(name))
        if canonical is None:
            unknown.append(name)
        else:
            _extend(target, [canonical])
    if unknown:
        _extend(work.tags, unknown)
        listed = ", ".join(quote(name) for name in unknown)
        work.warnings.append(
            f"Not an archive {what}: {listed}; kept as additional tags. Check the {what}s "
            "before you post."
        )


def _apply_language(work: ParsedWork, text: str, source: str) -> None:
    if not text.strip():
        return
    code = map_language(text)
    if code is None:
        work.language = "other"  # never a silent English
        work.warnings.append(
            f"Unknown language {quote(text)} in the {source}: the work's language was set to "
            "“Other”; choose the language on the work's edit page."
        )
    else:
        work.language = code


_ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ].*)?")
_MONTHS = {
    name: number
    for number, names in enumerate(
        ["jan january", "feb february", "mar march", "apr april", "may", "jun june",
         "jul july", "aug august", "sep sept september", "oct october", "nov november",
         "dec december"],
        start=1,
    )
    for name in names.split()
}  # fmt: skip
_WORDY_DATE = re.compile(
    r"(?:(?P<d1>\d{1,2})\s+(?P<m1>[a-z]+)\.?,?\s+(?P<y1>\d{4})"
    r"|(?P<m2>[a-z]+)\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{4}))",
    re.IGNORECASE,
)


def parse_date(value: object) -> dt.date | None:
    """Return the date in ``2021-03-04`` (a time may follow), ``2021/03/04``, ``4 March
    2021`` or ``March 4, 2021``; None for anything else (``04/03/2021`` is ambiguous)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())[:60].replace("/", "-")
    try:
        if match := _ISO_DATE.fullmatch(text):
            return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        if match := _WORDY_DATE.fullmatch(text):
            month = _MONTHS.get((match["m1"] or match["m2"]).lower())
            if month is not None:
                day = int(match["d1"] or match["d2"])
                return dt.date(int(match["y1"] or match["y2"]), month, day)
    except ValueError:  # 2021-02-30
        return None
    return None


def _apply_date(work: ParsedWork, name: str, value: object, source: str) -> None:
    if value in (None, ""):
        return
    date = parse_date(value)
    if date is None or not dt.date(1980, 1, 1) <= date <= dt.date.today():
        work.warnings.append(
            f"Could not read the date {quote(value if isinstance(value, str) else str(value))} "
            f"in the {source}: the work gets today's date instead."
        )
        return
    if name == "published":
        work.published = date
    else:
        work.updated = date


def _apply_complete(work: ParsedWork, value: object, source: str) -> None:
    finished = parse_date(value)
    if finished is not None:  # "Completed: 2021-04-01"
        work.complete = True
        _apply_date(work, "updated", finished, source)
        return
    complete = map_complete(value)
    if complete is None:
        if value not in (None, ""):
            work.warnings.append(
                f"Could not tell from {quote(value)} in the {source} whether the work is complete."
            )
    else:
        work.complete = complete


_HEADER_LINE = re.compile(
    r"\s*(?:\*\*|__)?(?P<key>[A-Za-z][A-Za-z '\u2019/_-]{0,30}?)\s*(?:\*\*|__)?\s*:"
    r"(?:\*\*|__)?\s*(?P<value>.*)"
)
# Keys whose value is a short name; a long one means the line is prose ("Warning: this...").
_SHORT_VALUE_FIELDS = frozenset(
    {"title", "author", "rating", "language", "complete", "archive_warnings", "categories"}
)
MAX_SHORT_VALUE = 150


def header_line(line: str) -> tuple[str, str] | None:
    """Return (key, value) if ``line`` is a header line such as ``Rating: T``, else None."""
    match = _HEADER_LINE.fullmatch(line)
    if not match:
        return None
    key = normalize_key(match.group("key"))
    value = match.group("value").strip()
    field = FIELD_BY_KEY.get(key)
    if field is None and key not in IGNORED_KEYS:
        return None
    if field in _SHORT_VALUE_FIELDS and len(value) > MAX_SHORT_VALUE:
        return None
    return key, value
