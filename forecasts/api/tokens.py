"""API bearer tokens: created once, shown once, stored as their SHA-256 only.

An ``admin`` token manages questions, resolutions and forecasters and may post forecasts for
anyone; a ``forecaster`` token posts forecasts only as its forecaster.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from forecasts.db.store import Store
from forecasts.db.tables import ApiTokenRow, ForecasterRow
from forecasts.errors import FieldError, NotFoundError
from forecasts.timeutils import as_utc

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


@dataclass(frozen=True)
class TokenInfo:
    """A stored token, without its secret."""

    id: int
    name: str
    role: str
    forecaster: str | None
    created_at: datetime
    revoked: bool


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
    with store.transaction() as session:
        if forecaster is not None and session.get(ForecasterRow, forecaster) is None:
            raise NotFoundError("forecaster", forecaster)
        row = ApiTokenRow(
            token_hash=hash_token(secret),
            name=name,
            role="admin" if admin else "forecaster",
            forecaster=forecaster,
            created_at=as_of,
            revoked=False,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        info = TokenInfo(row.id, row.name, row.role, row.forecaster, as_of, False)
    return secret, info


def list_tokens(store: Store) -> list[TokenInfo]:
    table = ApiTokenRow.__table__  # type: ignore[attr-defined]
    with store.reading() as session:
        rows = session.connection().execute(
            select(
                table.c.id,
                table.c.name,
                table.c.role,
                table.c.forecaster,
                table.c.created_at,
                table.c.revoked,
            ).order_by(table.c.id)
        )
        return [
            TokenInfo(i, name, role, who, as_utc(created), bool(revoked))
            for i, name, role, who, created, revoked in rows
        ]


def revoke_token(store: Store, token_id: int) -> None:
    table = ApiTokenRow.__table__  # type: ignore[attr-defined]
    with store.transaction() as session:
        result = session.connection().execute(
            update(table).where(table.c.id == token_id).values(revoked=True)
        )
        if result.rowcount == 0:
            raise NotFoundError("token", str(token_id))


def authenticate(store: Store, token: str) -> Principal | None:
    """The principal of a valid, unrevoked token, or None."""
    table = ApiTokenRow.__table__  # type: ignore[attr-defined]
    with store.reading() as session:
        row = (
            session.connection()
            .execute(
                select(table.c.id, table.c.name, table.c.role, table.c.forecaster).where(
                    table.c.token_hash == hash_token(token), table.c.revoked.is_(False)
                )
            )
            .first()
        )
    if row is None:
        return None
    return Principal(token_id=row[0], name=row[1], role=row[2], forecaster=row[3])
