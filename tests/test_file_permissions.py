"""The data directory, the SQLite database (with its -wal and -shm files) and the download
cache are readable by the archive's own account only, whatever the umask: the database holds
e-mail addresses and password hashes, the cache the drafts creators download."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ficarchive.core.env import private_file

SCRIPT = textwrap.dedent(
    """
    import os, django
    os.environ["DJANGO_SETTINGS_MODULE"] = "ficarchive.settings"
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from ficarchive.accounts.actions import sign_up
    from ficarchive.works.actions import ChapterInput, WorkInput, post_work
    from ficarchive.formats.downloads import open_download
    user = sign_up("writer", "writer@example.org", "correct horse battery staple 42")
    work = post_work(
        user,
        WorkInput(title="Draft", text_format="text"),
        ChapterInput(text="Secret words.", text_format="text"),
        draft=True,
    )
    open_download(work, "txt", include_drafts=True).close()
    """
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_dir_is_private_whatever_the_umask(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FICARCHIVE_")}
    env["FICARCHIVE_DATA_DIR"] = str(data)
    subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        check=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert _mode(data) == 0o700
    database = data / "ficarchive.sqlite3"
    assert _mode(database) == 0o600
    for extra in ("ficarchive.sqlite3-wal", "ficarchive.sqlite3-shm"):
        if (data / extra).exists():
            assert _mode(data / extra) == 0o600, extra
    assert _mode(data / "secret_key") == 0o600
    downloads = data / "downloads"
    cached = [p for p in downloads.rglob("*") if p.is_file()]
    assert cached, "the download was not cached"
    for path in [downloads, *downloads.rglob("*")]:
        expected = 0o700 if path.is_dir() else 0o600
        assert _mode(path) == expected, path


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    wal = tmp_path / "old.sqlite3-wal"
    wal.write_bytes(b"")
    wal.chmod(0o664)
    private_file(database)
    assert _mode(database) == 0o600
    assert _mode(wal) == 0o600


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_a_new_database_file_is_private(tmp_path: Path, umask: int) -> None:
    database = tmp_path / f"new-{umask}.sqlite3"
    old = os.umask(umask)
    try:
        private_file(database)
    finally:
        os.umask(old)
    assert database.exists() and _mode(database) == 0o600
