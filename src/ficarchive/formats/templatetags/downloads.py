"""`{% download_links work %}`: the work page's "EPUB · HTML · TXT · PDF" links."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from ficarchive.formats.exporters import FORMATS
from ficarchive.works.models import Work

register = template.Library()


@register.simple_tag
def download_links(work: Work) -> SafeString:
    """Return one link per download format this site offers, separated by " · "."""
    return format_html_join(
        " · ",
        '<a href="/works/{}/download/{}/" download>{}</a>',
        ((work.pk, f.name, f.label) for f in FORMATS.values()),
    )
