"""API bearer tokens: created once, shown once, stored as their SHA-256 only.

An ``admin`` token manages questions, resolutions and forecasters and may post forecasts for
anyone; a ``forecaster`` token posts forecasts only as its forecaster.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from forecasts.db import tokens as _rows
from forecasts.db.store import Store
from forecasts.errors import FieldError

__all__ = [
    "Principal",
    "TokenInfo",
    "authenticate",
    "create_token",
    "hash_token",
    "list_tokens",
    "revoke_token",
]


@dataclass(frozen=True)
class Principal:
    """Who a valid token speaks for."""

    token_id: int
    name: str
    role: str
    forecaster: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


TokenInfo = _rows.StoredToken


def hash_token(token: str) -> str:
    """The stored form of a token.

    >>> hash_token("abc")[:16]
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    store: Store,
    name: str,
    *,
    admin: bool = False,
    forecaster: str | None = None,
    as_of: datetime,
) -> tuple[str, TokenInfo]:
    """Create a token; returns the secret (shown once) and what is stored."""
    if admin == (forecaster is not None):
        raise FieldError("role", "give exactly one of --admin and --forecaster HANDLE")
    if not name.strip():
        raise FieldError("name", "must not be empty")
    secret = secrets.token_urlsafe(32)
    info = _rows.insert_token(
        store,
        token_hash=hash_token(secret),
        name=name,
        role="admin" if admin else "forecaster",
        forecaster=forecaster,
        as_of=as_of,
    )
    return secret, info


def list_tokens(store: Store) -> list[TokenInfo]:
    """Every token, without secrets."""
    return _rows.list_tokens(store)


def revoke_token(store: Store, token_id: int, *, as_of: datetime) -> None:
    """Revoke a token; the revocation is a ledger event, so it cannot be quietly undone."""
    _rows.revoke_token(store, token_id, as_of=as_of)


def authenticate(store: Store, token: str) -> Principal | None:
    """The principal of a valid, unrevoked token, or None."""
    row = _rows.active_token(store, hash_token(token))
    if row is None:
        return None
    return Principal(token_id=row.id, name=row.name, role=row.role, forecaster=row.forecaster)
