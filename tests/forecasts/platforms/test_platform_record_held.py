"""A record the server holds keeps the platforms' own scores through later resolutions, and
shows them once an import brings the forecaster's first platform forecasts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from forecasts.db.store import open_store
from forecasts.domain import Question, Resolution
from forecasts.inputs import ForecastInput
from forecasts.services import add_forecast, add_forecaster, add_question, add_resolution
from forecasts.services.scores import record_json, record_of
from tests.factories import make_forecaster
from tests.forecasts.conftest import Cli

from .test_platform_record import EXPORT


@pytest.fixture(autouse=True)
def _loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORECASTS_ALLOW_PRIVATE_SOURCES", "1")


NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _ours(store: object, qid: str, handle: str, p: float, *, resolve: bool) -> None:
    made = datetime(2029, 1, 2, tzinfo=UTC)
    question = Question.model_validate(
        {"id": qid, "title": f"{qid}?", "kind": "binary", "opens_at": "2029-01-01",
         "closes_at": "2029-01-03", "resolve_on": "2029-01-04"}
    )  # fmt: skip
    add_question(store, question, as_of=made)  # type: ignore[arg-type]
    entry = ForecastInput.model_validate({"question": qid, "by": handle, "p": p, "made_at": made})
    add_forecast(store, entry, as_of=made)  # type: ignore[arg-type]
    if resolve:
        _resolve(store, qid)


def _resolve(store: object, qid: str) -> None:
    at = datetime(2029, 1, 5, tzinfo=UTC)
    add_resolution(store, Resolution(question_id=qid, outcome="yes", resolved_at=at), as_of=at)  # type: ignore[arg-type]


def _fatebook(record: object) -> dict[str, object]:
    [score] = [s.model_dump() for s in record.platform_scores]  # type: ignore[attr-defined]
    assert score["platform"] == "fatebook"
    return score


def test_platform_scores_survive_resolutions_of_a_held_record(cli: Cli, database_url: str) -> None:
    assert cli("import", "--from", "fatebook", str(EXPORT)).exit_code == 0
    store = open_store(database_url)
    try:
        first = record_of(store, "ada-lovelace", as_of=NOW)
        theirs = _fatebook(first)
        assert theirs["n"] == 5
        _ours(store, "here-1", "ada-lovelace", 0.8, resolve=False)
        record_of(store, "ada-lovelace", as_of=NOW)  # held with this forecast count
        _resolve(store, "here-1")  # her forecasts unchanged: their origins are not read again
        after = record_of(store, "ada-lovelace", as_of=NOW + timedelta(seconds=1))
        assert after.n == first.n + 1 and "here-1" in {q.question_id for q in after.questions}
        assert _fatebook(after) == theirs
        body = json.loads(record_json(store, "ada-lovelace", as_of=NOW + timedelta(seconds=1)))
        assert [s["platform"] for s in body["platform_scores"]] == ["fatebook"]
    finally:
        store.close()


def test_an_import_brings_platform_scores_to_a_held_record(cli: Cli, database_url: str) -> None:
    store = open_store(database_url)
    try:
        add_forecaster(store, make_forecaster("zed"), as_of=datetime(2029, 1, 1, tzinfo=UTC))
        _ours(store, "here-2", "zed", 0.3, resolve=True)
        before = record_of(store, "zed", as_of=NOW)
        assert before.n == 1 and before.platform_scores == []
        result = cli("import", "--from", "fatebook", str(EXPORT), "--as", "Ada Lovelace=zed")
        assert result.exit_code == 0, result.output
        after = record_of(store, "zed", as_of=NOW + timedelta(seconds=1))
        assert after.n > before.n
        assert _fatebook(after)["n"] == 5
    finally:
        store.close()
