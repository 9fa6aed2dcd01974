"""The API's URLs (included at /api/), made from the table of operations (`views.OPERATIONS`): one view per path,
answering each of the path's methods."""

from __future__ import annotations

import re

from django.urls import URLPattern, path, re_path

from ficarchive.api.schema import Operation
from ficarchive.api.views import OPERATIONS, endpoint, not_found

# OpenAPI path parameters as Django converters.
CONVERTERS = {
    "work_id": "int",
    "position": "int",
    "bookmark_id": "int",
    "number": "int",
    "name": "tag",
}


def _route(openapi_path: str) -> str:
    return re.sub(
        r"\{(\w+)\}", lambda m: f"<{CONVERTERS.get(m.group(1), 'str')}:{m.group(1)}>", openapi_path
    )


def _patterns(operations: list[Operation]) -> list[URLPattern]:
    by_path: dict[str, dict[str, Operation]] = {}
    for op in operations:
        by_path.setdefault(op.path, {})[op.method] = op
    return [path("v1/" + _route(p), endpoint(ops)) for p, ops in by_path.items()]


urlpatterns: list[URLPattern] = [
    *_patterns(OPERATIONS),
    # Anything else under /api/ is a JSON 404, never the site's HTML page; [\s\S] (not ".")
    # so that a path holding a newline (%0A) is caught too.
    re_path(r"^(?P<rest>[\s\S]*)\Z", not_found),
]
