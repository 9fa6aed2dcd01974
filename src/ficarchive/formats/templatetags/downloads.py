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
    """Return one link per download format this site offers, separated by " · ".

    No ``download`` attribute: a file not built yet answers with a page that refreshes
    itself until it is, which the browser must show, not save (the file itself comes with
    ``Content-Disposition: attachment``)."""
    return format_html_join(
        " · ",
        '<a href="/works/{}/download/{}/">{}</a>',
        ((work.pk, f.name, f.label) for f in FORMATS.values()),
    )
