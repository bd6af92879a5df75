"""The API under bad input: non-finite numbers, far dates, oversized bodies (4xx, nothing
written, never a 500)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from forecasts.domain import Resolution
from forecasts.services import add_forecast, add_question, add_resolution
from tests.factories import make_forecast_input, make_question

from .conftest import Api


def test_the_api_refuses_non_finite_numbers_far_dates_and_big_bodies(api: Api) -> None:
    post = api.client.post
    head = api.client.get("/api/ledger/head").json()
    question: dict[str, Any] = {
        "id": "N1", "title": "t", "kind": "numeric", "opens_at": "2026-01-01",
        "closes_at": "2099-01-01", "resolve_on": "2099-01-02",
    }  # fmt: skip
    raw = json.dumps(question)[:-1] + ', "scale": {"lower": NaN}}'
    nan = post(
        "/api/questions", content=raw, headers={**api.admin, "content-type": "application/json"}
    )
    assert nan.status_code == 422 and nan.json()["detail"][0]["loc"][-1] == "lower"
    far = post("/api/questions", json={**question, "closes_at": "9999-12-31"}, headers=api.admin)
    assert far.status_code == 422
    record = api.client.get("/api/forecasters/alice/record", params={"since": "9999-12-31"})
    assert record.status_code == 422 and record.json()["detail"]["field"] == "since"
    big = post("/api/questions", content=b"{" + b" " * 2_000_000 + b"}", headers=api.admin)
    assert big.status_code == 413 and big.json()["detail"]["code"] == "too_large"
    assert api.client.get("/api/ledger/head").json() == head


def test_a_certain_wrong_forecast_keeps_the_api_and_pages_up(api: Api) -> None:
    made, resolved = datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 2, 2, tzinfo=UTC)
    for i in range(3):
        question = make_question(f"W{i}", closes_at="2026-02-01", resolve_on="2026-02-01")
        add_question(api.store, question, as_of=made)
        for by, p in (("alice", 0.0), ("bob", 0.6)):
            entry = make_forecast_input(f"W{i}", by, p=p, made_at=made)
            add_forecast(api.store, entry, as_of=made)
        outcome = Resolution(question_id=f"W{i}", outcome="yes", resolved_at=resolved, by="t")
        add_resolution(api.store, outcome, as_of=resolved)
    for metric in ("log_score", "peer_score"):
        board = api.client.get("/api/leaderboard", params={"metric": metric})
        assert board.status_code == 200, board.text
        assert [e["handle"] for e in board.json()["entries"]] == ["bob", "alice"]
        page = api.client.get("/leaderboard", params={"metric": metric})
        assert page.status_code == 200 and "∞" in page.text
    record = api.client.get("/api/forecasters/alice/record")
    assert record.status_code == 200 and record.json()["log_score"] is None
