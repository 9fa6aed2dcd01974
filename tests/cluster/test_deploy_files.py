"""The shipped deployment files (deploy/) are valid on their own, on any database: nginx accepts
the site file as scripts/cluster.py renders it, and systemd-analyze (where it exists) finds
nothing wrong in the units but the program path of an installation that is not here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scripts.cluster import NGINX, NGINX_SITE, REPO, nginx_main_config, render_nginx_site
from tests.ci import skip_or_fail

UNITS = REPO / "deploy" / "systemd"


def test_it_renders_the_shipped_site_with_only_the_ports_changed() -> None:
    shipped = NGINX_SITE.read_text()
    rendered = render_nginx_site(shipped, 18080, [18001, 18002, 18003])
    assert "listen 127.0.0.1:18080;" in rendered
    assert rendered.count("server 127.0.0.1:180") == 3
    assert "8001" not in rendered.replace("18001", "")
    assert "upstream ficarchive_servers {" in rendered
    assert "proxy_set_header Host $http_host;" in rendered
    assert "proxy_next_upstream error timeout;" in rendered
    # Everything but the listen, server_name and upstream server lines is the shipped text.
    kept = [
        line
        for line in shipped.splitlines()
        if not any(word in line for word in ("listen 80;", "server_name", "server 127."))
    ]
    assert all(line in rendered.splitlines() for line in kept)


def test_it_renders_a_site_nginx_accepts(tmp_path: Path) -> None:
    if not Path(NGINX).exists():
        skip_or_fail("nginx is not installed (apt-get install nginx)")
    site = tmp_path / "ficarchive.conf"
    site.write_text(render_nginx_site(NGINX_SITE.read_text(), 18080, [18001, 18002]))
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_main_config(tmp_path, site))
    result = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_it_ships_units_systemd_analyze_finds_nothing_wrong_in(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the units are not verified here")
    for unit, instance in (
        ("ficarchive-serve@.service", "8001"),
        ("ficarchive-worker@.service", "1"),
    ):
        copy = tmp_path / unit.replace("@.", f"@{instance}.")
        shutil.copy(UNITS / unit, tmp_path / unit)
        result = subprocess.run(
            [analyze, "verify", str(copy)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            cwd=tmp_path,
        )
        problems = [
            line
            for line in (result.stdout + result.stderr).splitlines()
            if line.strip() and "/opt/ficarchive/.venv/bin/ficarchive is not executable" not in line
        ]
        assert not problems, f"{unit}: {problems}"
