"""Rows of the web app: accounts, per-question web settings and generated secrets.

These are sign-in and display state, not forecasting records, so they are kept outside the
ledger (a resolution made through the web is ledgered as usual, with who made it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from forecasts.errors import DatabaseError
from forecasts.timeutils import as_utc

from .store import Store
from .tables import AccountRow, CommentRow, QuestionWebRow, WebSecretRow

__all__ = [
    "question_owners",
    "StoredAccount",
    "StoredComment",
    "add_comment",
    "comments",
    "WebQuestion",
    "account",
    "put_account",
    "put_question_web",
    "question_page_extras",
    "question_web",
    "questions_forecast_by",
    "secret",
]


@dataclass(frozen=True)
class StoredAccount:
    handle: str
    password_hash: str
    admin: bool
    updated_at: datetime


@dataclass(frozen=True)
class WebQuestion:
    owner: str | None
    hide_forecasts: bool


def put_account(
    store: Store, handle: str, *, password_hash: str, admin: bool, as_of: datetime
) -> None:
    with store.transaction() as session:
        row = session.get(AccountRow, handle)
        if row is None:
            row = AccountRow(handle=handle, password_hash=password_hash)
        row.password_hash = password_hash
        row.admin = admin
        row.updated_at = as_utc(as_of)
        session.add(row)


def account(store: Store, handle: str) -> StoredAccount | None:
    with store.reading() as session:
        row = session.get(AccountRow, handle)
        if row is None:
            return None
        return StoredAccount(row.handle, row.password_hash, row.admin, as_utc(row.updated_at))


@dataclass(frozen=True)
class StoredComment:
    id: int
    question_id: str
    author: str
    body: str
    created_at: datetime


def add_comment(
    store: Store, question_id: str, *, author: str, body: str, as_of: datetime
) -> StoredComment:
    with store.transaction() as session:
        row = CommentRow(question_id=question_id, author=author, body=body, created_at=as_of)
        session.add(row)
        session.flush()
        assert row.id is not None
        return StoredComment(row.id, question_id, author, body, as_utc(as_of))


@functools.cache
def _comments_statement() -> Select[Any]:
    c = getattr(CommentRow, "__table__").c  # noqa: B009  (set by SQLModel)
    return (
        select(c.id, c.question_id, c.author, c.body, c.created_at)
        .where(c.question_id == bindparam("qid"))
        .order_by(c.id)
    )


def _comments(connection: Connection, question_id: str) -> list[StoredComment]:
    rows = connection.execute(_comments_statement(), {"qid": question_id})
    return [StoredComment(i, q, a, b, as_utc(t)) for i, q, a, b, t in rows]


def comments(store: Store, question_id: str) -> list[StoredComment]:
    """Oldest first."""
    with store.reading() as session:
        return _comments(session.connection(), question_id)


def question_page_extras(store: Store, question_id: str) -> tuple[WebQuestion, list[StoredComment]]:
    """What a question page shows beside its ledgered rows, in one read: the question's
    web settings and its comments (oldest first)."""
    with store.reading() as session:
        connection = session.connection()
        return _question_web(connection, question_id), _comments(connection, question_id)


def put_question_web(session: Session, question_id: str, settings: WebQuestion) -> None:
    """Write in the caller's transaction (the one that records the question)."""
    session.add(
        QuestionWebRow(
            question_id=question_id,
            owner=settings.owner,
            hide_forecasts=settings.hide_forecasts,
        )
    )


@functools.cache
def _question_web_statement() -> Select[Any]:
    # Built once: every question page reads it, and an ORM get costs several times more.
    table = getattr(QuestionWebRow, "__table__")  # noqa: B009  (set by SQLModel)
    return select(table.c.owner, table.c.hide_forecasts).where(
        table.c.question_id == bindparam("qid")
    )


def _question_web(connection: Connection, question_id: str) -> WebQuestion:
    row = connection.execute(_question_web_statement(), {"qid": question_id}).first()
    if row is None:
        return WebQuestion(owner=None, hide_forecasts=False)
    return WebQuestion(owner=row[0], hide_forecasts=bool(row[1]))


def question_web(store: Store, question_id: str) -> WebQuestion:
    with store.reading() as session:
        return _question_web(session.connection(), question_id)


def question_owners(store: Store) -> dict[str, str]:
    """Question id -> the forecaster who created it in the web app (where one did)."""
    table = getattr(QuestionWebRow, "__table__")  # noqa: B009  (set by SQLModel)
    query = select(table.c.question_id, table.c.owner).where(table.c.owner.is_not(None))
    with store.reading() as session:
        rows = session.connection().execute(query).all()
    return {str(qid): str(owner) for qid, owner in rows}


def questions_forecast_by(store: Store, handle: str, question_id: str) -> bool:
    """Whether ``handle`` has any forecast on the question."""
    from .tables import ForecastRow

    table = getattr(ForecastRow, "__table__")  # noqa: B009  (set by SQLModel)
    with store.reading() as session:
        found = session.connection().execute(
            select(table.c.id)
            .where(table.c.question_id == question_id, table.c.forecaster == handle)
            .limit(1)
        )
        return found.first() is not None


def secret(store: Store, name: str, generate: str) -> str:
    """The stored secret ``name``; stores ``generate`` first if there is none.

    Two processes starting together may both try to store theirs: the loser reads the
    winner's, so every process of one database signs with one key.
    """
    with store.reading() as session:
        row = session.get(WebSecretRow, name)
        if row is not None:
            return row.value
    try:
        with store.transaction() as session:
            session.add(WebSecretRow(name=name, value=generate))
    except DatabaseError as exc:
        if not isinstance(exc.__cause__, IntegrityError):
            raise
    with store.reading() as session:
        stored = session.get(WebSecretRow, name)
        assert stored is not None
        return stored.value
