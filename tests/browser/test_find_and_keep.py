"""A reader finds a story by words inside it and takes it away as an e-book."""

from __future__ import annotations

import re
import secrets
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NewContext, PostWork, SignUp

pytestmark = pytest.mark.browser


def test_a_guest_finds_a_work_by_its_text_and_downloads_it_as_epub(
    page: Page, new_context: NewContext, sign_up: SignUp, post_work: PostWork, tmp_path: Path
) -> None:
    word = f"zephyrine{secrets.token_hex(3)}"
    sign_up(page, "searchauthor")
    work = post_work(
        page,
        "Lighthouse Keepers",
        f"The lamp burned all night.\n\nOnly the {word} tide remembered the stone bridge.",
        fandoms="Harbor Lights",
    )

    guest = new_context().new_page()
    guest.goto("/")
    guest.get_by_label("Search", exact=True).fill(f'"stone bridge" {word}')
    guest.get_by_role("button", name="Go").click()
    expect(guest).to_have_url(re.compile(r"/works/\?q="))
    result = guest.get_by_role("main")
    expect(result.get_by_role("link", name=work.title)).to_be_visible()
    expect(result.locator("mark").first).to_be_visible()

    guest.get_by_role("link", name=work.title).click()
    with guest.expect_download() as download_info:
        guest.get_by_role("link", name="EPUB").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".epub")
    path = tmp_path / "book.epub"
    download.save_as(path)
    with zipfile.ZipFile(path) as book:
        assert book.namelist()[0] == "mimetype"
        text = " ".join(
            book.read(name).decode() for name in book.namelist() if name.endswith(".xhtml")
        )
    assert word in text
