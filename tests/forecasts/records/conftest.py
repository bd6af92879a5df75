"""A small, varied record: three forecasters, binary, verbal, multiple-choice and numeric
questions, an annulled one, a corrected one and an unresolved one."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from forecasts.db.store import Store
from forecasts.domain import Correction, Forecast, Question, Resolution
from forecasts.inputs import ForecastInput
from forecasts.services import (
    add_correction,
    add_forecaster,
    add_question,
    add_resolution,
)
from forecasts.services import add_forecast as _add_forecast
from tests.factories import make_forecast_input as _make_forecast_input
from tests.factories import make_forecaster
from tests.factories import make_question as _make_question

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)
HANDLES = ("alice", "bob", "carol")


def make_question(question_id: str, **changes: Any) -> Question:
    """The factory's question a year earlier, so everything is resolved before today."""
    fields: dict[str, Any] = {"opens_at": "2025-01-01", "closes_at": "2025-12-01"}
    fields["resolve_on"] = None if "deadline" in changes else "2025-12-31"
    fields.update(changes)
    return _make_question(question_id, **fields)


def make_forecast_input(question: str, by: str, **changes: Any) -> ForecastInput:
    return _make_forecast_input(question, by, **{"made_at": "2025-02-01", **changes})


def add_forecast(store: Store, entry: ForecastInput, *, as_of: datetime) -> Forecast:
    """Record the forecast at the time it was made: these are forecasters' own forecasts."""
    return _add_forecast(store, entry, as_of=entry.made_at or as_of)


@dataclass
class Seeded:
    store: Store
    as_of: datetime
    binary: list[str]


def seed(store: Store, *, n_binary: int = 12, seed_value: int = 7) -> Seeded:
    rng = random.Random(seed_value)
    for handle in HANDLES:
        add_forecaster(store, make_forecaster(handle), as_of=AS_OF)
    binary = []
    for i in range(n_binary):
        qid = f"B{i:02d}"
        binary.append(qid)
        tags = ["even"] if i % 2 == 0 else ["odd"]
        closes = "2025-06-01" if i < n_binary // 2 else "2025-12-01"
        add_question(store, make_question(qid, tags=tags, closes_at=closes), as_of=AS_OF)
        for handle in HANDLES:
            if handle == "carol" and i % 3 == 0:
                continue  # carol skips some questions
            made = ["2025-01-15", "2025-03-01"] if handle != "bob" else ["2025-02-10"]
            for when in made:
                add_forecast(
                    store,
                    make_forecast_input(
                        qid, handle, p=round(rng.uniform(0.02, 0.98), 2), made_at=when
                    ),
                    as_of=AS_OF,
                )
        outcome = "yes" if rng.random() < 0.5 else "no"
        add_resolution(
            store,
            Resolution(
                question_id=qid,
                outcome=outcome,
                resolved_at="2026-01-05",
                method="manual",
                by="tests",
                note="seeded",
            ),
            as_of=AS_OF,
        )
    # resolved early: the forecast made after the outcome was known does not count
    add_question(store, make_question("E1", deadline="2025-12-01"), as_of=AS_OF)
    add_forecast(
        store, make_forecast_input("E1", "alice", p=0.3, made_at="2025-02-01"), as_of=AS_OF
    )
    add_forecast(
        store, make_forecast_input("E1", "alice", p=0.95, made_at="2025-05-01"), as_of=AS_OF
    )
    add_resolution(
        store, Resolution(question_id="E1", outcome="yes", resolved_at="2025-04-01"), as_of=AS_OF
    )
    # a verbal forecast on its own question
    add_question(store, make_question("V1", tags=["verbal"]), as_of=AS_OF)
    add_forecast(
        store,
        make_forecast_input("V1", "alice", p=None, said="very likely", made_at="2025-02-01"),
        as_of=AS_OF,
    )
    add_forecast(store, make_forecast_input("V1", "bob", p=0.6), as_of=AS_OF)
    add_resolution(
        store, Resolution(question_id="V1", outcome="no", resolved_at="2026-01-05"), as_of=AS_OF
    )
    # corrected: recorded as yes, corrected to no
    add_question(store, make_question("K1"), as_of=AS_OF)
    add_forecast(store, make_forecast_input("K1", "alice", p=0.9), as_of=AS_OF)
    add_forecast(store, make_forecast_input("K1", "bob", p=0.2), as_of=AS_OF)
    add_resolution(
        store, Resolution(question_id="K1", outcome="yes", resolved_at="2026-01-05"), as_of=AS_OF
    )
    add_correction(
        store,
        Correction(
            question_id="K1",
            previous_outcome="yes",
            outcome="no",
            corrected_at="2026-01-06",
            by="tests",
            reason="misread",
        ),
        as_of=AS_OF,
    )
    # annulled and unresolved: never scored
    add_question(store, make_question("X1"), as_of=AS_OF)
    add_forecast(store, make_forecast_input("X1", "alice", p=0.99), as_of=AS_OF)
    add_resolution(
        store,
        Resolution(
            question_id="X1", outcome="annulled", resolved_at="2026-01-05", note="source gone"
        ),
        as_of=AS_OF,
    )
    add_question(store, make_question("U1"), as_of=AS_OF)
    add_forecast(store, make_forecast_input("U1", "alice", p=0.01), as_of=AS_OF)
    # numeric: a stated log-scale interval and quantiles; multiple choice
    add_question(store, make_question("N1", kind="numeric"), as_of=AS_OF)
    add_forecast(
        store,
        make_forecast_input(
            "N1",
            "alice",
            p=None,
            interval={"low": 10, "high": 100, "coverage": 0.9, "log_scale": True},
        ),
        as_of=AS_OF,
    )
    add_forecast(
        store,
        make_forecast_input("N1", "bob", p=None, quantiles={0.05: 2, 0.5: 5, 0.95: 15}),
        as_of=AS_OF,
    )
    add_resolution(
        store,
        Resolution(question_id="N1", outcome="value", value=5.0, resolved_at="2026-01-05"),
        as_of=AS_OF,
    )
    add_question(
        store, make_question("M1", kind="multiple_choice", options=["a", "b", "c"]), as_of=AS_OF
    )
    add_forecast(
        store,
        make_forecast_input("M1", "alice", p=None, options={"a": 0.5, "b": 0.3, "c": 0.2}),
        as_of=AS_OF,
    )
    add_resolution(
        store, Resolution(question_id="M1", outcome="b", resolved_at="2026-01-05"), as_of=AS_OF
    )
    return Seeded(store=store, as_of=AS_OF, binary=binary)


@pytest.fixture
def seeded(store: Store) -> Seeded:
    return seed(store)
