"""Run the scale-out deployment on one machine: PostgreSQL, Redis, two app servers, two workers
and Debian's nginx in front, each on a port of its own choosing.

    python scripts/cluster.py [--database-url postgres://postgres@127.0.0.1:5432/postgres]

It makes a fresh PostgreSQL database (dropped at the end), starts redis-server, runs
`ficarchive upgrade` once, then `ficarchive serve --no-migrate` twice and `ficarchive worker`
twice with the same settings, renders deploy/nginx/ficarchive.conf (the shipped file, ports
substituted) and runs nginx on it. It prints the proxy's address and runs until Ctrl-C.
tests/cluster/ drives the same `Cluster` (kill -9 of a server or a worker, shared limits,
backup under writes); docs/operations.md follows it step by step.
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
NGINX_SITE = REPO / "deploy" / "nginx" / "ficarchive.conf"
NGINX = "/usr/sbin/nginx"
REDIS = "/usr/bin/redis-server"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
STARTUP_TIMEOUT = 90.0


class ClusterError(Exception):
    """The cluster could not start; the message says what failed and what to do."""


def missing_programs() -> list[str]:
    """Return the programs the cluster needs that this machine lacks (apt package names)."""
    wanted = {"nginx": NGINX, "redis-server": REDIS}
    return [name for name, path in wanted.items() if not Path(path).exists()]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def render_nginx_site(site: str, listen: int, servers: list[int]) -> str:
    """Return the shipped nginx site file with its `listen` port and upstream servers replaced;
    nothing else changes."""
    lines = site.splitlines()
    upstream = [i for i, line in enumerate(lines) if re.match(r"\s+server 127\.0\.0\.1:\d+ ", line)]
    if not upstream or not any(re.match(r"\s+listen 80;", line) for line in lines):
        raise ClusterError(f"{NGINX_SITE} has no `listen 80;` or no upstream `server` lines.")
    template = lines[upstream[0]]
    rendered = [re.sub(r":\d+ ", f":{port} ", template) for port in servers]
    lines[upstream[0] : upstream[-1] + 1] = rendered
    text = "\n".join(lines) + "\n"
    text = re.sub(r"listen 80;", f"listen 127.0.0.1:{listen};", text)
    return re.sub(r"server_name [^;]+;", "server_name 127.0.0.1 localhost;", text)


def nginx_main_config(prefix: Path, site: Path) -> str:
    """Return a main nginx.conf that keeps everything (pid, logs, temporary files) in prefix and
    includes the site file."""
    user = ""
    if os.geteuid() == 0:  # nginx started by root drops to `nobody`, who cannot write prefix
        user = f"user {pwd.getpwuid(0).pw_name};\n"
    return (
        f"{user}daemon off;\nworker_processes 2;\npid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"    access_log {prefix}/access.log;\n"
        f"    client_body_temp_path {prefix}/client_body;\n"
        f"    proxy_temp_path {prefix}/proxy;\n"
        f"    fastcgi_temp_path {prefix}/fastcgi;\n"
        f"    uwsgi_temp_path {prefix}/uwsgi;\n"
        f"    scgi_temp_path {prefix}/scgi;\n"
        f"    include {site};\n"
        "}\n"
    )


@contextmanager
def fresh_database(server_url: str, prefix: str = "ficarchive_cluster") -> Iterator[str]:
    """Create an empty database (named prefix and a random part) on the PostgreSQL server at
    server_url; yield its URL; drop it. The tests' servers and workers use it too."""
    parts = urllib.parse.urlsplit(server_url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ClusterError(
            f"{server_url!r} is not a postgres:// URL; the cluster needs PostgreSQL."
        )
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    name = f"{prefix}_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        raise ClusterError(
            f"Could not create a database on {maintenance}: {error}. Is PostgreSQL running, "
            "and may this user create databases?"
        ) from error
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@dataclass
class Process:
    """A child process of the cluster, in its own process group, logging to a file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill_hard(self) -> None:
        """SIGKILL the process and every process it started (a machine losing power)."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=30)

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill_hard()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Cluster:
    """The running cluster: the proxy's URL, the app servers' URLs and the shared settings."""

    root: Path
    url: str
    database_url: str
    env: dict[str, str]
    servers: list[Process] = field(default_factory=list)
    server_urls: list[str] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)
    others: list[Process] = field(default_factory=list)

    def environment(self, data_dir: Path) -> dict[str, str]:
        """Return the environment of a process of the cluster using data_dir."""
        return {**self.env, "FICARCHIVE_DATA_DIR": str(data_dir), "XDG_RUNTIME_DIR": str(data_dir)}

    def manage(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run `ficarchive ARGS` against the cluster's database; raise ClusterError on failure."""
        data_dir = self.root / "manage"
        data_dir.mkdir(exist_ok=True)
        result = subprocess.run(
            [sys.executable, "-m", "ficarchive", *args],
            env=self.environment(data_dir),
            cwd=data_dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise ClusterError(
                f"`ficarchive {' '.join(args)}` exited with {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def start(self, name: str, argv: list[str], data_dir: Path | None = None) -> Process:
        log = self.root / f"{name}.log"
        cwd = data_dir or self.root
        cwd.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            popen = subprocess.Popen(
                argv,
                env=self.environment(cwd) if data_dir else self.env,
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return Process(name, popen, log)

    def start_server(self, port: int) -> Process:
        index = len(self.servers) + 1
        process = self.start(
            f"serve{index}",
            [sys.executable, "-m", "ficarchive", "serve", "--no-migrate", "--access-log",
             "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            self.root / f"serve{index}",
        )  # fmt: skip
        self.servers.append(process)
        self.server_urls.append(f"http://127.0.0.1:{port}")
        return process

    def restart_server(self, index: int) -> Process:
        """Start app server `index` again (after a crash) on its port and data directory."""
        port = int(self.server_urls[index].rsplit(":", 1)[1])
        process = self.start(
            f"serve{index + 1}",
            [sys.executable, "-m", "ficarchive", "serve", "--no-migrate", "--access-log",
             "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            self.root / f"serve{index + 1}",
        )  # fmt: skip
        self.servers[index] = process
        self.wait_ready(self.server_urls[index], process)
        return process

    def start_worker(self) -> Process:
        index = len(self.workers) + 1
        process = self.start(
            f"worker{index}",
            [sys.executable, "-m", "ficarchive", "worker", "--interval", "0.5"],
            self.root / f"worker{index}",
        )
        self.workers.append(process)
        return process

    def wait_ready(self, url: str, process: Process) -> None:
        """Wait until url/readyz answers 200; raise ClusterError if process exits first."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if not process.alive():
                raise ClusterError(
                    f"{process.name} exited with {process.popen.returncode}:\n{process.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                pass
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"{process.name} did not answer {url}/readyz with 200 within "
                    f"{STARTUP_TIMEOUT:.0f} s:\n{process.log_tail()}"
                )
            time.sleep(0.2)  # nothing to wait on but the port

    def stop(self) -> None:
        for process in [*self.others[1:], *self.servers, *self.workers, *self.others[:1]]:
            process.stop()


@contextmanager
def running_cluster(
    postgres_url: str = DEFAULT_POSTGRES,
    root: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """Start the whole cluster (see the module's docstring); yield it once nginx and both app
    servers answer /readyz; stop everything and drop the database at the end."""
    missing = missing_programs()
    if missing:
        raise ClusterError(
            f"The cluster needs {' and '.join(missing)}: apt-get install {' '.join(missing)}"
        )
    with ExitStack() as stack:
        if root is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ficarchive-")))
        database_url = stack.enter_context(fresh_database(postgres_url))
        redis_port, proxy_port = free_port(), free_port()
        app_ports = [free_port(), free_port()]
        proxy = f"http://127.0.0.1:{proxy_port}"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("FICARCHIVE_") and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
        }
        env.update(
            DJANGO_SETTINGS_MODULE="ficarchive.settings",
            PYTHONUNBUFFERED="1",
            FICARCHIVE_DATABASE_URL=database_url,
            FICARCHIVE_SECRET_KEY=secrets.token_urlsafe(50),
            FICARCHIVE_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
            FICARCHIVE_TRUSTED_PROXIES="1",
            FICARCHIVE_FORWARDED_ALLOW_IPS="127.0.0.1",
            FICARCHIVE_ALLOWED_HOSTS="127.0.0.1,localhost",
            FICARCHIVE_CSRF_TRUSTED_ORIGINS=proxy,
            # Workers build download files that the app servers serve: one shared folder.
            FICARCHIVE_DOWNLOADS_DIR=str(root / "downloads"),
            **(extra_env or {}),
        )
        cluster = Cluster(root=root, url=proxy, database_url=database_url, env=env)
        stack.callback(cluster.stop)
        redis = cluster.start(
            "redis",
            [REDIS, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(root)],
        )  # fmt: skip
        cluster.others.append(redis)
        cluster.manage("upgrade")
        for port in app_ports:
            cluster.start_server(port)
        for _ in range(2):
            cluster.start_worker()
        site = root / "ficarchive.conf"
        site.write_text(render_nginx_site(NGINX_SITE.read_text(), proxy_port, app_ports))
        nginx_root = root / "nginx"
        nginx_root.mkdir()
        conf = nginx_root / "nginx.conf"
        conf.write_text(nginx_main_config(nginx_root, site))
        check = subprocess.run(
            [NGINX, "-t", "-q", "-c", str(conf), "-p", str(nginx_root)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise ClusterError(f"nginx refused {site}:\n{check.stderr}")
        nginx = cluster.start("nginx", [NGINX, "-c", str(conf), "-p", str(nginx_root)])
        cluster.others.append(nginx)
        for url, process in zip(cluster.server_urls, cluster.servers, strict=True):
            cluster.wait_ready(url, process)
        cluster.wait_ready(proxy, nginx)
        yield cluster


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FICARCHIVE_CLUSTER_POSTGRES", DEFAULT_POSTGRES),
        help="A PostgreSQL server on which to create the cluster's database (default %(default)s).",
    )
    options = parser.parse_args()
    # SIGTERM (systemd, timeout, kill) stops the cluster as Ctrl-C does: nothing left behind.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with running_cluster(options.database_url) as cluster:
            print(f"ficarchive cluster: {cluster.url}/ (nginx)")
            for url, server in zip(cluster.server_urls, cluster.servers, strict=True):
                print(f"  app server {url}/  log {server.log}")
            for worker in cluster.workers:
                print(f"  {worker.name}  log {worker.log}")
            print(f"  database {cluster.database_url} (dropped at the end)")
            print("Ctrl-C stops everything.", flush=True)
            while all(p.alive() for p in [*cluster.servers, *cluster.others]):
                time.sleep(1)
            dead = [p for p in [*cluster.servers, *cluster.others] if not p.alive()]
            print(f"{dead[0].name} stopped:\n{dead[0].log_tail()}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("Stopped; the cluster's database is dropped.")
        return 0
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
