"""API token rows: stored as the SHA-256 of the secret, never the secret itself.

Tokens grant writes, so they are ledgered: ``token.created`` (every column but ``revoked``)
and ``token.revoked``, each appended in the transaction that changes the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update

from forecasts.errors import NotFoundError
from forecasts.timeutils import as_utc

from .ledger_append import event_time
from .store import Store
from .tables import ApiTokenRow, ForecasterRow

__all__ = [
    "StoredToken",
    "active_token",
    "insert_token",
    "list_tokens",
    "revoke_token",
    "token_data",
]


@dataclass(frozen=True)
class StoredToken:
    """A stored token, without its secret."""

    id: int
    name: str
    role: str
    forecaster: str | None
    created_at: datetime
    revoked: bool


def _table() -> Table:
    table: Table = getattr(ApiTokenRow, "__table__")  # noqa: B009  (set by SQLModel)
    return table


def token_data(row: ApiTokenRow) -> dict[str, Any]:
    """The fields a ``token.created`` event holds: everything but the revocation."""
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "forecaster": row.forecaster,
        "token_hash": row.token_hash,
        "created_at": event_time(row.created_at),
    }


def insert_token(
    store: Store,
    *,
    token_hash: str,
    name: str,
    role: str,
    forecaster: str | None,
    as_of: datetime,
) -> StoredToken:
    with store.transaction() as session:
        if forecaster is not None and session.get(ForecasterRow, forecaster) is None:
            raise NotFoundError("forecaster", forecaster)
        row = ApiTokenRow(
            token_hash=token_hash,
            name=name,
            role=role,
            forecaster=forecaster,
            created_at=as_utc(as_of),
            revoked=False,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        store.append(session, "token.created", "token", str(row.id), token_data(row), as_of=as_of)
        return StoredToken(row.id, name, role, forecaster, as_of, False)


def list_tokens(store: Store) -> list[StoredToken]:
    t = _table().c
    with store.reading() as session:
        rows = session.connection().execute(
            select(t.id, t.name, t.role, t.forecaster, t.created_at, t.revoked).order_by(t.id)
        )
        return [
            StoredToken(i, name, role, who, as_utc(created), bool(revoked))
            for i, name, role, who, created, revoked in rows
        ]


def revoke_token(store: Store, token_id: int, *, as_of: datetime) -> None:
    """Revoke a token (and ledger it); revoking a revoked token changes nothing."""
    table = _table()
    with store.transaction() as session:
        connection = session.connection()
        revoked = connection.execute(
            select(table.c.revoked).where(table.c.id == token_id).with_for_update()
        ).first()
        if revoked is None:
            raise NotFoundError("token", str(token_id))
        if revoked[0]:
            return
        connection.execute(update(table).where(table.c.id == token_id).values(revoked=True))
        data = {"id": token_id}
        store.append(session, "token.revoked", "token", str(token_id), data, as_of=as_of)


def active_token(store: Store, token_hash: str) -> StoredToken | None:
    """The unrevoked token with this hash, or None."""
    t = _table().c
    with store.reading() as session:
        row = (
            session.connection()
            .execute(
                select(t.id, t.name, t.role, t.forecaster, t.created_at).where(
                    t.token_hash == token_hash, t.revoked.is_(False)
                )
            )
            .first()
        )
    if row is None:
        return None
    return StoredToken(row[0], row[1], row[2], row[3], as_utc(row[4]), False)
