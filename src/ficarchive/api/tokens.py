"""Token strings: made from 32 random bytes, stored as their SHA-256 hash. Pure functions."""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_PREFIX = "fa_"  # noqa: S105 (a marker that says what the string is, not a secret)
PREFIX_SHOWN = 10  # characters of the token kept to recognise it by ("fa_Ab3dE9x")
# What a token can look like: anything else is refused before the database is asked.
TOKEN_SHAPE = re.compile(r"fa_[A-Za-z0-9_-]{20,100}")


def new_token() -> str:
    """Return a new random token: "fa_" and 43 URL-safe characters (32 random bytes)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the hex SHA-256 of a token, which is what is stored and looked up. A random
    32-byte token needs no slow hash: nobody can guess one to test against the hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(header: str) -> str | None:
    """Return the token of an `Authorization: Bearer <token>` header, or None when the header
    is not a bearer header of a well-formed token."""
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not TOKEN_SHAPE.fullmatch(value):
        return None
    return value
