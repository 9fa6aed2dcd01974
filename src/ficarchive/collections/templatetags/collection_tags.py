"""Work page hook of the collections app: `{% work_collections work %}` ("Collections: ..."),
the collections a work is approved in. One query."""

from __future__ import annotations

from typing import Any

from django import template

from ficarchive.collections.models import Collection
from ficarchive.works.models import Work

register = template.Library()


@register.inclusion_tag("collections/hooks/work_collections.html")
def work_collections(work: Work) -> dict[str, Any]:
    collections = list(
        Collection.objects.filter(items__work=work, items__approved=True).order_by("title", "pk")
    )
    return {"collections": collections}
