"""The archive's name shows on every page, the log-in and password pages too (Django's auth
views put their own `site` and `site_name`, the host, in the context)."""

from __future__ import annotations

import pytest
from django.test import Client

from ficarchive.site.actions import save_settings, settings_input


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/login/", "/password/reset/", "/signup/"])
def test_it_names_the_archive_on_every_page(client: Client, url: str) -> None:
    from dataclasses import replace

    save_settings(None, replace(settings_input(), archive_name="Lantern Archive", notice="Hi all"))
    page = client.get(url).content.decode()
    assert '<a class="site-name" href="/">Lantern Archive</a>' in page
    assert "Hi all" in page
    assert "testserver" not in page
