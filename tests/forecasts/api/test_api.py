"""The REST API: reads, writes with bearer tokens, errors in the documented shape."""

from __future__ import annotations

from typing import Any

import pytest

from forecasts.records import load_record_data, track_record
from forecasts.services.tokens import list_tokens, revoke_token
from forecasts.timeutils import utc_now

from .conftest import Api

QUESTION: dict[str, Any] = {
    "id": "Q1",
    "title": "Will it rain?",
    "kind": "binary",
    "opens_at": "2026-01-01",
    "closes_at": "2026-06-01",
    "resolve_on": "2026-06-02",
    "tags": ["weather"],
}


def _question(api: Api, **changes: Any) -> None:
    response = api.client.post("/api/questions", json={**QUESTION, **changes}, headers=api.admin)
    assert response.status_code == 201, response.text


def test_admin_creates_questions_and_a_forecaster_token_posts_as_itself(api: Api) -> None:
    _question(api, closes_at="2099-01-01", resolve_on="2099-01-02")
    response = api.client.post(
        "/api/questions/Q1/forecasts", json={"by": "alice", "p": "70%"}, headers=api.alice
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["forecaster"], body["probability"], body["question_id"]) == ("alice", 0.7, "Q1")
    listed = api.client.get("/api/questions/Q1/forecasts").json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == body["id"]
    page = api.client.get("/api/questions", params={"tag": "weather", "kind": "binary"}).json()
    assert page["count"] == 1 and page["data"][0]["id"] == "Q1"
    assert api.client.get("/api/questions", params={"tag": "other"}).json() == {
        "data": [],
        "count": 0,
    }


def test_refused_writes_leave_the_ledger_head_unchanged(api: Api) -> None:
    _question(api)
    head = api.client.get("/api/ledger/head").json()
    url = "/api/questions/Q1/forecasts"
    good = {"by": "alice", "p": 0.6}

    missing = api.client.post(url, json=good)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["detail"]["code"] == "unauthorized"

    unknown = api.client.post(url, json=good, headers={"Authorization": "Bearer nope"})
    assert unknown.status_code == 401

    other = api.client.post(url, json={"by": "bob", "p": 0.6}, headers=api.alice)
    assert other.status_code == 403
    assert other.json()["detail"]["code"] == "forbidden"

    admin_route = api.client.post("/api/questions", json={**QUESTION, "id": "Q2"},
                                  headers=api.alice)  # fmt: skip
    assert admin_route.status_code == 403

    bad = api.client.post(url, json={"by": "alice", "p": 1.5}, headers=api.alice)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "p"]  # FastAPI's shape, naming the field

    two_forms = api.client.post(
        url, json={"by": "alice", "p": 0.5, "said": "likely"}, headers=api.alice
    )
    assert two_forms.status_code == 422
    assert two_forms.json()["detail"]["field"] == "forecast"

    after_close = api.client.post(
        url, json={"by": "alice", "p": 0.5, "made_at": "2026-07-01"}, headers=api.alice
    )
    assert after_close.status_code == 422
    assert after_close.json()["detail"]["field"] == "made_at"

    nowhere = api.client.post("/api/questions/Z9/forecasts", json=good, headers=api.alice)
    assert nowhere.status_code == 404
    assert nowhere.json() == {
        "detail": {"code": "not_found", "message": "no question with id 'Z9'"}
    }

    duplicate = api.client.post("/api/questions", json=QUESTION, headers=api.admin)
    assert duplicate.status_code == 409
    assert duplicate.json()["detail"]["code"] == "conflict"

    assert api.client.get("/api/ledger/head").json() == head


def test_revoked_tokens_are_refused(api: Api) -> None:
    _question(api)
    alice = next(t for t in list_tokens(api.store) if t.forecaster == "alice")
    revoke_token(api.store, alice.id, as_of=utc_now())
    response = api.client.post(
        "/api/questions/Q1/forecasts", json={"by": "alice", "p": 0.6}, headers=api.alice
    )
    assert response.status_code == 401


def test_resolution_and_record_match_the_service(api: Api) -> None:
    _question(api)
    for by, p in (("alice", 0.8), ("bob", 0.3)):
        response = api.client.post(
            "/api/questions/Q1/forecasts",
            json={
                "by": by,
                "p": p,
                "made_at": "2026-02-01T00:00:00Z",
                "source": "https://example.org/interview",
                "quote": "about 80%",
            },
            headers=api.admin,  # an admin may record anyone's quoted forecast
        )
        assert response.status_code == 201, response.text
    refused = api.client.post(
        "/api/questions/Q1/resolution", json={"outcome": "yes"}, headers=api.alice
    )
    assert refused.status_code == 403
    bad = api.client.post(
        "/api/questions/Q1/resolution", json={"outcome": "maybe"}, headers=api.admin
    )
    assert bad.status_code == 422 and bad.json()["detail"]["field"] == "outcome"
    resolved = api.client.post(
        "/api/questions/Q1/resolution",
        json={"outcome": "yes", "resolved_at": "2026-06-02T00:00:00Z"},
        headers=api.admin,
    )
    assert resolved.status_code == 201, resolved.text
    assert api.client.get("/api/resolutions").json()["count"] == 1
    assert api.client.get("/api/questions/Q1/resolution").json()["outcome"] == "yes"

    record = api.client.get("/api/forecasters/alice/record").json()
    for key in ("n", "brier", "brier_time_weighted", "log_score", "coverage", "calibration"):
        assert key in record
    expected = track_record(load_record_data(api.store, as_of=utc_now()), "alice")
    assert record["n"] == expected.n == 1
    assert record["brier"] == pytest.approx(expected.brier) == pytest.approx(0.04)
    assert record["calibration"] == [b.model_dump(mode="json") for b in expected.calibration]

    board = api.client.get("/api/leaderboard", params={"metric": "brier"}).json()
    assert [e["handle"] for e in board["entries"]] == ["alice", "bob"]
    duel = api.client.get("/api/compare", params={"a": "alice", "b": "bob"}).json()
    assert duel["n"] == 1 and duel["mean_difference"] == pytest.approx(0.04 - 0.49)


def test_read_errors(api: Api) -> None:
    assert api.client.get("/api/forecasters/nobody/record").status_code == 404
    assert api.client.get("/api/questions/nope").json()["detail"]["code"] == "not_found"
    assert api.client.get("/api/leaderboard", params={"metric": "accuracy"}).status_code == 422
    assert api.client.get("/api/questions", params={"limit": 0}).status_code == 422
    assert api.client.get("/api/compare", params={"a": "alice", "b": "alice"}).status_code == 422
    assert api.client.get("/api/health").json() == {"status": "ok"}


def test_openapi_documents_examples_errors_and_bearer_auth(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    post = spec["paths"]["/api/questions/{question_id}/forecasts"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(post["responses"])
    assert post["security"] == [{"HTTPBearer": []}]
    schemas = spec["components"]["schemas"]
    assert schemas["ForecastCreate"]["examples"]
    assert "/api/forecasters/{handle}/record" in spec["paths"]
    assert "/api/leaderboard" in spec["paths"] and "/api/compare" in spec["paths"]
