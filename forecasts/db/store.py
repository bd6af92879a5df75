"""The store: reads, ledgered writes and verification over one database.

Every write goes through :meth:`Store.record`, which inserts the row and appends its ledger
event in the caller's transaction, so rows and events commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, func
from sqlalchemy import select as core_select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session, col, select

from forecasts.domain import Correction, Forecast, Forecaster, Question, Resolution
from forecasts.errors import ConflictError, DatabaseError
from forecasts.ledger import GENESIS_HASH
from forecasts.timeutils import as_utc

from . import convert
from .engine import make_engine
from .id_lists import in_ids
from .kept import complete_kept, keep_scores
from .ledger_append import CHAIN_KEY, LedgerChain, append_event
from .migrate import migrate, needs_migration
from .question_read import read_questions
from .tables import (
    CorrectionRow,
    ForecasterRow,
    ForecastRow,
    LedgerEventRow,
    LedgerHeadRow,
    QuestionRow,
    ResolutionRow,
)

__all__ = ["CHAIN_KEY", "LedgerHead", "Record", "Store", "open_store", "read_forecasts"]

"""Where a session holds the :class:`LedgerChain` of a batch of appends."""

Record = Forecaster | Question | Forecast | Resolution | Correction
_FORECAST: Table = getattr(ForecastRow, "__table__")  # noqa: B009  (set by SQLModel)
_QUESTION: Table = getattr(QuestionRow, "__table__")  # noqa: B009
_HEAD: Table = getattr(LedgerHeadRow, "__table__")  # noqa: B009
_HEAD_VERSION = core_select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1)
_EVENT: Table = getattr(LedgerEventRow, "__table__")  # noqa: B009
_RESOLUTION: Table = getattr(ResolutionRow, "__table__")  # noqa: B009
_CORRECTION: Table = getattr(CorrectionRow, "__table__")  # noqa: B009
# The head and its event's time in one small read: auditors poll it.
_HEAD_READ = (
    core_select(_HEAD.c.seq, _HEAD.c.hash, _EVENT.c.recorded_at)
    .select_from(_HEAD.outerjoin(_EVENT, _EVENT.c.seq == _HEAD.c.seq))
    .where(_HEAD.c.id == 1)
)


@dataclass(frozen=True)
class LedgerHead:
    """The newest event: publish it to prove later that the ledger held what it holds now."""

    seq: int
    hash: str
    recorded_at: datetime | None = None
    """When the newest event was recorded (None for an empty ledger)."""


def read_forecasts(
    session: Session, *, question_id: str | None = None, forecaster: str | None = None
) -> list[Forecast]:
    """:meth:`Store.forecasts` in ``session``."""
    # Plain rows, not ORM objects: a question page reads ~100 of these per request and
    # building mapped instances cost several times the query itself.
    c = _FORECAST.c
    query = core_select(*(c[name] for name in convert.FORECAST_COLUMNS))
    if question_id is not None:
        query = query.where(c.question_id == question_id)
    if forecaster is not None:
        query = query.where(c.forecaster == forecaster)
    query = query.order_by(c.made_at, c.recorded_at, c.id)
    rows = session.connection().execute(query).all()
    return [Forecast.model_validate(convert.forecast_values_fields(r)) for r in rows]


def database_error(exc: SQLAlchemyError) -> DatabaseError:
    """The application's error for a driver error: its first line, no traceback."""
    detail = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(detail).splitlines()
    return DatabaseError(f"database: {lines[0] if lines else type(exc).__name__}")


def open_store(url: str, *, auto_migrate: bool = True) -> Store:
    """Open (and by default migrate) the database at ``url``."""
    try:
        engine = make_engine(url)
        if auto_migrate:
            if needs_migration(engine):
                migrate(engine)
            # also after an upgrade made by other means (alembic by hand): one read if built
            complete_kept(engine)
    except SQLAlchemyError as exc:
        raise database_error(exc) from exc
    return Store(engine)


@dataclass(frozen=True)
class _Mapper:
    """How one record type becomes a row and a ledger event (a mapper, as in event stores)."""

    entity: str
    conflict: str
    key: Callable[[Any], str]
    to_row: Callable[[Any], Any]
    exists: Callable[[Session, Any], bool]


def _resolution_exists(session: Session, obj: Resolution | Forecast) -> bool:
    query = select(ResolutionRow.id).where(ResolutionRow.question_id == obj.question_id)
    return session.exec(query).first() is not None


_MAPPERS: dict[type[Any], _Mapper] = {
    Forecaster: _Mapper(
        "forecaster",
        "forecaster",
        lambda o: o.handle,
        convert.forecaster_row,
        lambda s, o: s.get(ForecasterRow, o.handle) is not None,
    ),
    Question: _Mapper(
        "question",
        "question",
        lambda o: o.id,
        convert.question_row,
        lambda s, o: s.get(QuestionRow, o.id) is not None,
    ),
    Forecast: _Mapper(
        "forecast",
        "forecast",
        lambda o: o.id,
        convert.forecast_row,
        lambda s, o: s.get(ForecastRow, o.id) is not None,
    ),
    Resolution: _Mapper(
        "resolution",
        "resolution for question",
        lambda o: o.question_id,
        convert.resolution_row,
        _resolution_exists,
    ),
    Correction: _Mapper(
        "correction",
        "correction",
        lambda o: o.question_id,
        convert.correction_row,
        lambda _s, _o: False,
    ),
}


class Store:
    """Reads and ledgered writes over one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except SQLAlchemyError as exc:
                session.rollback()
                raise database_error(exc) from exc
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
            except SQLAlchemyError as exc:
                raise database_error(exc) from exc

    # -- writes ---------------------------------------------------------------------------

    @contextmanager
    def chained(self, session: Session, *, late: bool = False) -> Iterator[LedgerChain]:
        """Many ledgered writes in ``session``'s transaction with the head locked and read
        once: events are kept by the chain (inserted at its flushes) and the head row is
        written once when the block ends without error. With ``late`` the head is locked
        only then (``LedgerChain.later``)."""
        chain = LedgerChain.later() if late else LedgerChain.open(session.connection())
        session.info[CHAIN_KEY] = chain
        try:
            yield chain
            chain.close(session.connection())
        finally:
            session.info.pop(CHAIN_KEY, None)

    def record(self, session: Session, obj: Record, *, as_of: datetime) -> str:
        """Insert ``obj``'s row and append its ledger event; returns the entity id.

        Nothing else: operational state (the sweep's check rows) is written by the caller
        through :mod:`forecasts.db.checks` in the same transaction.
        """
        mapper = _MAPPERS[type(obj)]
        if mapper.exists(session, obj):
            raise ConflictError(mapper.conflict, mapper.key(obj))
        row = mapper.to_row(obj)
        session.add(row)
        session.flush()
        # Corrections are numbered by the database; everything else carries its own key.
        entity_id = str(row.id) if isinstance(obj, Correction) else mapper.key(obj)
        kind, data = f"{mapper.entity}.created", obj.model_dump(mode="json")
        self.append(session, kind, mapper.entity, entity_id, data, as_of=as_of)
        if isinstance(obj, Resolution | Correction) or (
            isinstance(obj, Forecast) and _resolution_exists(session, obj)
        ):
            # A backdated forecast on a resolved question changes its scores too.
            keep_scores(session, obj.question_id)
        return entity_id

    def append(
        self,
        session: Session,
        kind: str,
        entity: str,
        entity_id: str,
        data: Mapping[str, Any],
        *,
        as_of: datetime,
    ) -> int:
        """Append one ledger event in ``session``'s transaction; returns its sequence number.

        For rows that are not a :data:`Record` (evidence, tokens, check transitions): their
        modules in ``forecasts.db`` call this next to the row they write. Inside a batch
        (:func:`forecasts.db.sweep_writes.write_batch`) the event joins the batch's chain.
        """
        chain = session.info.get(CHAIN_KEY)
        if isinstance(chain, LedgerChain):
            return chain.append(
                kind=kind, entity=entity, entity_id=entity_id, data=data, as_of=as_of
            )
        return append_event(
            session.connection(),
            kind=kind,
            entity=entity,
            entity_id=entity_id,
            data=data,
            as_of=as_of,
        )

    # -- reads ----------------------------------------------------------------------------

    def ledger_head(self) -> LedgerHead:
        with self.reading() as session:
            row = session.connection().execute(_HEAD_READ).first()
        if row is None:
            return LedgerHead(0, GENESIS_HASH)
        seq, hash_, when = row
        return LedgerHead(int(seq), str(hash_), None if when is None else as_utc(when))

    def head_version(self) -> str:
        """The ledger head as ``seq:hash`` in one small read (no ORM): any change to what
        records and pages show moves it, so caches key on it."""
        try:
            with self.engine.connect() as conn:
                row = conn.execute(_HEAD_VERSION).first()
        except SQLAlchemyError as exc:
            raise database_error(exc) from exc
        return f"0:{GENESIS_HASH}" if row is None else f"{row[0]}:{row[1]}"

    def forecaster(self, handle: str) -> Forecaster | None:
        with self.reading() as session:
            row = session.get(ForecasterRow, handle)
            return (
                None if row is None else Forecaster.model_validate(convert.forecaster_fields(row))
            )

    def question(self, question_id: str) -> Question | None:
        with self.reading() as session:
            row = session.get(QuestionRow, question_id)
            return None if row is None else Question.model_validate(convert.question_fields(row))

    def forecasters(self) -> list[Forecaster]:
        with self.reading() as session:
            rows = session.exec(select(ForecasterRow).order_by(col(ForecasterRow.handle))).all()
            return [Forecaster.model_validate(convert.forecaster_fields(r)) for r in rows]

    def questions(self, *, ids: Sequence[str] | None = None) -> list[Question]:
        """All questions (or those with ``ids``), by closing time."""
        with self.reading() as session:
            if ids is not None:  # a sweep loads every question it claims
                return read_questions(session.connection(), ids)
            query = core_select(_QUESTION).order_by(_QUESTION.c.closes_at, _QUESTION.c.id)
            rows = session.connection().execute(query).all()
            return [Question.model_validate(convert.question_fields(r)) for r in rows]

    def forecasts(
        self, *, question_id: str | None = None, forecaster: str | None = None
    ) -> list[Forecast]:
        """Forecasts in the order they were made (then recorded)."""
        with self.reading() as session:
            return read_forecasts(session, question_id=question_id, forecaster=forecaster)

    def has_forecast(self, forecast_id: str) -> bool:
        with self.reading() as session:
            return session.get(ForecastRow, forecast_id) is not None

    def resolution(self, question_id: str) -> Resolution | None:
        with self.reading() as session:
            row = session.exec(
                select(ResolutionRow).where(ResolutionRow.question_id == question_id)
            ).first()
            return (
                None if row is None else Resolution.model_validate(convert.resolution_fields(row))
            )

    def resolutions(self) -> list[Resolution]:
        with self.reading() as session:
            rows = session.exec(select(ResolutionRow).order_by(col(ResolutionRow.id))).all()
            return [Resolution.model_validate(convert.resolution_fields(r)) for r in rows]

    def corrections(self, question_id: str | None = None) -> list[Correction]:
        with self.reading() as session:
            query = select(CorrectionRow)
            if question_id is not None:
                query = query.where(CorrectionRow.question_id == question_id)
            rows = session.exec(query.order_by(col(CorrectionRow.id))).all()
            return [Correction.model_validate(convert.correction_fields(r)) for r in rows]

    def current_outcomes(self, *, ids: Sequence[str] | None = None) -> dict[str, str]:
        """Question id -> outcome after corrections (``annulled`` included), of every
        resolved question or of those among ``ids`` (two columns read, nothing validated:
        pages read it for hundreds of questions)."""
        with self.reading() as session:
            connection = session.connection()
            reads = []
            for table in (_RESOLUTION, _CORRECTION):
                query = core_select(table.c.question_id, table.c.outcome).order_by(table.c.id)
                if ids is None:
                    reads.append(connection.execute(query).all())
                    continue
                where = in_ids(table.c.question_id, connection.dialect.name)
                reads.append(connection.execute(query.where(where), {"ids": list(ids)}).all())
        outcomes = {str(qid): str(outcome) for qid, outcome in reads[0]}
        for qid, outcome in reads[1]:  # the newest correction wins
            outcomes[str(qid)] = str(outcome)
        return outcomes

    def counts(self) -> dict[str, int]:
        with self.reading() as session:
            return {
                name: int(session.exec(select(func.count()).select_from(table)).one())
                for name, table in (
                    ("forecasters", ForecasterRow),
                    ("questions", QuestionRow),
                    ("forecasts", ForecastRow),
                    ("resolutions", ResolutionRow),
                    ("corrections", CorrectionRow),
                    ("events", LedgerEventRow),
                )
            }

    def events(self, session: Session, *, batch: int = 5000) -> Iterator[LedgerEventRow]:
        """Every ledger event in sequence order, read in batches."""
        last = 0
        while True:
            rows: Sequence[LedgerEventRow] = session.exec(
                select(LedgerEventRow)
                .where(LedgerEventRow.seq > last)
                .order_by(col(LedgerEventRow.seq))
                .limit(batch)
            ).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].seq
