"""Configuration read from FICARCHIVE_* environment variables.

Tiny helpers that fail loudly on a bad value rather than guessing.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ficarchive.core.numbers import parse_whole_number

PREFIX = "FICARCHIVE_"


class ConfigError(RuntimeError):
    """A FICARCHIVE_* variable holds a value we cannot use."""


def env(name: str, default: str = "") -> str:
    """Return the value of FICARCHIVE_<name>, or default when unset or empty."""
    return os.environ.get(PREFIX + name, "") or default


def envbool(name: str, default: bool = False) -> bool:
    """Return FICARCHIVE_<name> read as a boolean (1/0, true/false, yes/no, on/off)."""
    raw = env(name).strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{PREFIX}{name}={raw!r} is not a boolean: use true or false.")


def envint(name: str, default: int) -> int:
    """Return FICARCHIVE_<name> read as an integer."""
    raw = env(name).strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not a whole number.") from None


def envurl(name: str) -> str:
    """Return FICARCHIVE_<name> read as a site's address: "https://fics.example.org" (http or
    https, a host, an optional path prefix; no query or fragment), without a trailing slash;
    "" when unset."""
    from urllib.parse import urlsplit

    raw = env(name).strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.query
        or parts.fragment
        or any(ch.isspace() or ch in '"<>\\' for ch in raw)
    ):
        raise ConfigError(
            f"{PREFIX}{name}={raw!r} is not a site address: use one like https://fics.example.org"
        )
    return raw.rstrip("/")


def envfloat(name: str, default: float) -> float:
    """Return FICARCHIVE_<name> read as a number (seconds, for instance)."""
    raw = env(name).strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not a number.") from None
    if value != value or value in {float("inf"), float("-inf")}:
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not a finite number.")
    return value


def envlimits(name: str) -> dict[str, list[tuple[str, int, int]]]:
    """Return FICARCHIVE_<name> read as rate limits that replace an action's defaults:
    `signup=address:50/3600,address:200/86400;comment=account:5/60` (action, then each limit as
    scope:count/seconds, scope being account, address or token: an API token)."""
    raw = env(name).strip()
    limits: dict[str, list[tuple[str, int, int]]] = {}
    if not raw:
        return limits
    example = "signup=address:50/3600;comment=account:5/60,address:30/3600"
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        action, _, rules = part.partition("=")
        parsed = []
        for rule in filter(None, (r.strip() for r in rules.split(","))):
            scope, _, rest = rule.partition(":")
            count_text, _, seconds_text = rest.partition("/")
            count, seconds = parse_whole_number(count_text), parse_whole_number(seconds_text)
            if scope not in {"account", "address", "token"} or count is None or seconds is None:
                raise ConfigError(
                    f"{PREFIX}{name}: {rule!r} is not scope:count/seconds (scope account, "
                    f"address or token), e.g. {example}"
                )
            parsed.append((scope, count, seconds))
        if not action.strip() or not parsed:
            raise ConfigError(
                f"{PREFIX}{name}: {part!r} names no action or no limit, e.g. {example}"
            )
        limits[action.strip()] = parsed
    return limits


def envlist(name: str, default: list[str]) -> list[str]:
    """Return FICARCHIVE_<name> split on commas, blanks dropped."""
    raw = env(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """Return the data directory: FICARCHIVE_DATA_DIR or ./var, created if missing as a
    private directory (0700, whatever the umask)."""
    path = Path(env("DATA_DIR", "var")).resolve()
    private_dir(path)
    return path


def private_dir(path: Path) -> None:
    """Create the directory (and missing parents) if it does not exist, itself 0700 whatever
    the umask. An existing directory is left as the operator set it."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.mkdir(mode=0o700, exist_ok=True)  # the umask can only take bits off 0700
    path.chmod(0o700)


def private_file(path: Path) -> None:
    """Make a file only its owner may read (0600): create it empty if missing (an empty file
    is a valid, new SQLite database), and take group and other permissions off the file and
    its SQLite companions (-wal, -shm, -journal) if they exist. SQLite gives the companions
    it creates later the database file's permissions."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError:
        return  # no such folder, or not ours: SQLite will say so when it opens the file
    else:
        os.close(fd)
    for candidate in (path, *(Path(f"{path}{s}") for s in ("-wal", "-shm", "-journal"))):
        try:
            if candidate.stat().st_mode & 0o077:
                candidate.chmod(0o600)
        except FileNotFoundError:
            continue
        except PermissionError:
            return  # another account's file: leave it to its owner


def secret_key(directory: Path) -> str:
    """Return the secret key: FICARCHIVE_SECRET_KEY, the file FICARCHIVE_SECRET_KEY_FILE, or a
    key generated once into <data dir>/secret_key and reused afterwards."""
    if value := env("SECRET_KEY"):
        return value
    key_file = Path(env("SECRET_KEY_FILE")) if env("SECRET_KEY_FILE") else directory / "secret_key"
    if key_file.exists():
        value = key_file.read_text().strip()
        if not value:
            raise ConfigError(f"The secret key file {key_file} is empty: delete it to regenerate.")
        return value
    if env("SECRET_KEY_FILE"):
        raise ConfigError(f"{PREFIX}SECRET_KEY_FILE names {key_file}, which does not exist.")
    value = secrets.token_urlsafe(50)
    # Create with owner-only permissions, atomically: two processes starting at once must agree.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def email_settings(url: str) -> dict[str, object]:
    """Return Django email settings for an EMAIL_URL.

    Forms: console:// (default), file:///path, smtp://user:pass@host:port, smtps://... (TLS),
    smtp+tls://... (STARTTLS).
    """
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"", "console"}:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": parts.path,
        }
    if scheme in {"smtp", "smtps", "smtp+tls"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port
            or (465 if scheme == "smtps" else 587 if scheme == "smtp+tls" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_USE_TLS": scheme == "smtp+tls",
        }
    raise ConfigError(
        f"{PREFIX}EMAIL_URL scheme {scheme!r} is not supported: use console://, file:///path, "
        "smtp://, smtps:// or smtp+tls://."
    )
