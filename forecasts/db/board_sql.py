"""Leaderboards computed inside PostgreSQL, streamed one forecaster at a time.

The per-pair figures (standing forecast at close, time-weighted Brier, log score, coverage)
come either from the kept scores or from the raw forecasts through window functions, with
the conventions of ``forecasts.records.pairs``. They are summed per forecaster in SQL; each
forecaster's metric values (ordered by question id, what the bootstrap resamples) and
question numbers arrive as one packed binary array per row, through a server-side cursor,
so the client holds one batch of forecasters at a time whatever the number of forecasts.

Sums are fed in (forecaster, question) order, as ``numpy.bincount`` adds them, so the
means equal the numpy path's to the last bit where the per-pair figures do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import text

from forecasts.domain import CLOCK_SKEW

from .scores import kept_usable
from .store import Store

__all__ = ["SQL_METRICS", "BoardQuery", "ForecasterSums", "board_source", "stream_board"]

SQL_METRICS: dict[str, frozenset[str]] = {
    "kept": frozenset(
        {"brier", "brier_time_weighted", "log_score", "brier_relative", "peer_score"}
    ),
    "raw": frozenset({"brier", "brier_time_weighted", "log_score"}),
}
"""The metrics each source ranks by in SQL (the others are computed in Python)."""

Source = Literal["kept", "raw"]
_BATCH = 64  # forecasters per fetch from the server-side cursor
_SKEW_S = CLOCK_SKEW.total_seconds()


@dataclass(frozen=True)
class BoardQuery:
    """Which questions and forecasts count (``forecasts.records.RecordFilter``, flattened)."""

    as_of: datetime
    metric: str
    min_n: int = 1
    tag: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_horizon_days: float | None = None
    exclude_backdated: bool = False


@dataclass(frozen=True, eq=False)
class ForecasterSums:
    """One ranked forecaster: sums over their scored pairs and the metric values themselves
    (by question id) with each pair's question number (questions in id order)."""

    handle: str
    name: str
    n: int
    score_sum: float
    brier_sum: float
    time_weighted_sum: float
    log_sum: float
    coverage_sum: float
    values: NDArray[np.float64]
    questions: NDArray[np.int32]


def board_source(store: Store, query: BoardQuery, *, settled_only: bool = False) -> Source | None:
    """Where the board is computed in SQL: the kept scores when they stand for the query,
    the raw forecasts otherwise; None when not in SQL (not PostgreSQL, or the metric) and,
    with ``settled_only``, when an outcome took effect after ``as_of`` (or the kept scores
    are not built): such a board depends on ``as_of``, which callers caching per ledger
    head must know."""
    if store.engine.dialect.name != "postgresql":
        return None
    with store.reading() as session:
        usable = kept_usable(session.connection(), query.as_of)
    if settled_only and not usable:
        return None
    if usable and query.min_horizon_days is None and not query.exclude_backdated:
        return "kept" if query.metric in SQL_METRICS["kept"] else None
    return "raw" if query.metric in SQL_METRICS["raw"] else None


_PEOPLE = """people AS NOT MATERIALIZED (
  SELECT handle, name, (row_number() OVER (ORDER BY handle))::int4 - 1 AS fi FROM forecaster
)"""

_QUESTION_FILTER = """
  AND (CAST(:kind AS text) IS NULL OR q.kind = :kind)
  AND (CAST(:tag AS text) IS NULL
       OR (json_typeof(q.tags) = 'array'
           AND q.tags::jsonb @> jsonb_build_array(CAST(:tag AS text))))
  AND (CAST(:since AS timestamptz) IS NULL OR {close} >= :since)
  AND (CAST(:until AS timestamptz) IS NULL OR {close} <= :until)"""

_KEPT_PAIRS = f"""{_PEOPLE},
qs AS (
  SELECT q.id, (row_number() OVER (ORDER BY q.id))::int4 - 1 AS qi
  FROM question q JOIN kept_question kq ON kq.question_id = q.id
  WHERE kq.outcome <> 'annulled' {_QUESTION_FILTER.format(close="kq.close")}
),
pairs AS (
  SELECT pe.fi, qs.qi, ks.brier, ks.brier_time_weighted AS tw, ks.log_score AS log,
         ks.coverage, ks.{{metric}} AS v
  FROM kept_score ks JOIN qs ON qs.id = ks.question_id
  JOIN people pe ON pe.handle = ks.forecaster
  WHERE ks.kind = 'binary'
)"""

_RAW_PAIRS = f"""{_PEOPLE},
corrected AS (
  SELECT DISTINCT ON (question_id) question_id, outcome FROM correction
  WHERE corrected_at <= :as_of ORDER BY question_id, id DESC
),
resolved AS (
  SELECT r.question_id, coalesce(c.outcome, r.outcome) AS outcome, r.resolved_at
  FROM resolution r LEFT JOIN corrected c ON c.question_id = r.question_id
  WHERE r.resolved_at <= :as_of
),
qs AS (
  SELECT q.id, (row_number() OVER (ORDER BY q.id))::int4 - 1 AS qi,
         date_part('epoch', q.opens_at) AS opens,
         date_part('epoch', least(q.closes_at, r.resolved_at)) AS close,
         CASE WHEN r.outcome = 'yes' THEN 1.0 ELSE 0.0 END::float8 AS o
  FROM question q JOIN resolved r ON r.question_id = q.id
  WHERE r.outcome <> 'annulled'
  {_QUESTION_FILTER.format(close="least(q.closes_at, r.resolved_at)")}
),
made AS (
  SELECT pe.fi, qs.qi, qs.opens, qs.close, qs.o, f.probability AS p,
         date_part('epoch', f.made_at) AS t0, f.made_at, f.recorded_at, f.id
  FROM forecast f JOIN qs ON qs.id = f.question_id JOIN people pe ON pe.handle = f.forecaster
  WHERE f.probability IS NOT NULL
),
kept_forecasts AS (
  SELECT fi, qi, opens, close, o, p, greatest(t0, opens) AS t, made_at, recorded_at, id
  FROM made
  WHERE t0 <= close - :horizon
    AND NOT (:exclude_backdated
             AND t0 < date_part('epoch', recorded_at) - {_SKEW_S!r})
),
steps AS (
  SELECT fi, qi, opens, close, o, p, t, (p - o) * (p - o) AS b,
         coalesce(lead(t) OVER w, close) - t AS dur, lead(t) OVER w IS NULL AS last
  FROM kept_forecasts
  WINDOW w AS (PARTITION BY fi, qi ORDER BY made_at, recorded_at, id)
),
standing AS (
  SELECT fi, qi, min(opens) AS opens, min(close) AS close, min(t) AS first_t,
         max(CASE WHEN last THEN b END) AS brier,
         max(CASE WHEN last THEN CASE WHEN o = 1 THEN p ELSE 1 - p END END) AS hit,
         sum(b * dur) AS weighted, sum(dur) AS total
  FROM steps GROUP BY fi, qi
),
pairs AS (
  SELECT fi, qi, brier,
         CASE WHEN total > 0 THEN weighted / total ELSE brier END AS tw,
         CASE WHEN hit = 0 THEN 'Infinity'::float8 ELSE -ln(hit) END AS log,
         CASE WHEN close - opens > 0
              THEN least(greatest((close - first_t) / (close - opens), 0.0), 1.0)
              ELSE 1.0 END AS coverage
  FROM standing
)"""

_AGGREGATE = """
SELECT pe.handle, pe.name, s.n, s.score_sum, s.brier_sum, s.tw_sum, s.log_sum, s.coverage_sum,
       s.vals, s.qis
FROM (
  SELECT fi, count(*) AS n, sum(v) AS score_sum, sum(brier) AS brier_sum, sum(tw) AS tw_sum,
         sum(log) AS log_sum, sum(coverage) AS coverage_sum,
         array_send(array_agg(v)) AS vals, array_send(array_agg(qi)) AS qis
  FROM (SELECT fi, qi, brier, tw, log, coverage, {value} AS v FROM pairs
        WHERE {value} IS NOT NULL AND {value} <> 'NaN'::float8 ORDER BY fi, qi) ordered
  GROUP BY fi HAVING count(*) >= :min_n
) s JOIN people pe ON pe.fi = s.fi
ORDER BY s.fi"""

_VALUE = {"brier": "brier", "brier_time_weighted": "tw", "log_score": "log"}

# array_send: ndim, flags, element type, then (length, lower bound) per dimension; each
# element is its length then its bytes (no NULLs here: they are filtered out above).
_HEADER = 20
_F8 = np.dtype([("len", ">i4"), ("v", ">f8")])
_I4 = np.dtype([("len", ">i4"), ("v", ">i4")])


def _unpack(packed: bytes, dtype: np.dtype[Any]) -> NDArray[Any]:
    return np.frombuffer(packed, dtype=dtype, offset=_HEADER)["v"]


def _sql(source: Source, metric: str) -> str:
    value = _VALUE.get(metric, "v")
    pairs = _KEPT_PAIRS.format(metric=metric) if source == "kept" else _RAW_PAIRS
    return "WITH " + pairs + _AGGREGATE.format(value=value)


def _params(query: BoardQuery) -> dict[str, Any]:
    return {
        "as_of": query.as_of,
        "min_n": query.min_n,
        "tag": query.tag,
        "kind": query.kind,
        "since": query.since,
        "until": query.until,
        "horizon": (query.min_horizon_days or 0.0) * 86400.0,
        "exclude_backdated": query.exclude_backdated,
    }


def stream_board(store: Store, source: Source, query: BoardQuery) -> Iterator[ForecasterSums]:
    """The forecasters with at least ``min_n`` scored pairs, in handle order."""
    if query.metric not in SQL_METRICS[source]:
        raise ValueError(f"metric {query.metric} is not computed from {source} rows in SQL")
    if query.kind is not None and query.kind != "binary":
        return  # leaderboards rank binary questions only
    with store.reading() as session:
        conn = session.connection()
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        rows = conn.execution_options(yield_per=_BATCH).execute(
            text(_sql(source, query.metric)), _params(query)
        )
        for handle, name, n, score, brier, tw, log, coverage, vals, qis in rows:
            yield ForecasterSums(
                handle=handle,
                name=name,
                n=int(n),
                score_sum=float(score),
                brier_sum=float(brier),
                time_weighted_sum=float(tw),
                log_sum=float(log),
                coverage_sum=float(coverage),
                values=_unpack(vals, _F8).astype(np.float64),
                questions=_unpack(qis, _I4).astype(np.int32),
            )
