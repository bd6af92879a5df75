"""Records and leaderboards carry an ETag from the ledger head and the query, and answer
304 to ``If-None-Match`` until the ledger moves."""

from __future__ import annotations

from datetime import timedelta

from forecasts.domain import Resolution
from forecasts.services import add_forecast, add_question, add_resolution
from forecasts.services.scores import record_of
from forecasts.timeutils import utc_now
from tests.factories import AS_OF, make_forecast_input, make_question

from .conftest import Api


def _resolved(api: Api, qid: str, alice: float, outcome: str) -> None:
    add_question(api.store, make_question(qid, opens_at="2026-01-01", closes_at="2026-05-01"),
                 as_of=AS_OF - timedelta(days=200))  # fmt: skip
    made = AS_OF - timedelta(days=150)
    for by, p in (("alice", alice), ("bob", 0.5)):
        add_forecast(api.store, make_forecast_input(qid, by, p=p, made_at=made.isoformat()),
                     as_of=made)  # fmt: skip
    add_resolution(api.store, Resolution(question_id=qid, outcome=outcome, resolved_at=AS_OF),
                   as_of=AS_OF)  # fmt: skip


def test_record_etag_answers_304_until_a_resolution_moves_the_ledger(api: Api) -> None:
    _resolved(api, "Q1", 0.8, "yes")
    first = api.client.get("/api/forecasters/alice/record")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.json()["n"] == 1
    same = api.client.get("/api/forecasters/alice/record", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    # another query is another representation
    tagged = api.client.get(
        "/api/forecasters/alice/record", params={"tag": "x"}, headers={"If-None-Match": etag}
    )
    assert tagged.status_code == 200 and tagged.headers["etag"] != etag
    assert api.client.get("/api/forecasters/bob/record").headers["etag"] != etag
    _resolved(api, "Q2", 0.1, "yes")
    moved = api.client.get("/api/forecasters/alice/record", headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["etag"] != etag
    body = moved.json()
    assert body["n"] == 2
    expected = record_of(api.store, "alice", as_of=utc_now()).model_dump(mode="json")
    assert {k: v for k, v in body.items() if k != "as_of"} == {
        k: v for k, v in expected.items() if k != "as_of"
    }


def test_leaderboard_etag_and_304(api: Api) -> None:
    _resolved(api, "Q1", 0.8, "yes")
    first = api.client.get("/api/leaderboard", params={"metric": "log_score"})
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert [e["handle"] for e in first.json()["entries"]] == ["alice", "bob"]
    again = api.client.get(
        "/api/leaderboard", params={"metric": "log_score"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    other = api.client.get(
        "/api/leaderboard", params={"metric": "brier"}, headers={"If-None-Match": etag}
    )
    assert other.status_code == 200
    _resolved(api, "Q2", 0.1, "yes")
    moved = api.client.get(
        "/api/leaderboard", params={"metric": "log_score"}, headers={"If-None-Match": etag}
    )
    assert moved.status_code == 200
    assert [e["handle"] for e in moved.json()["entries"]] == ["bob", "alice"]


def test_unknown_forecaster_is_still_404_with_no_etag_match(api: Api) -> None:
    missing = api.client.get("/api/forecasters/nobody/record")
    assert missing.status_code == 404 and missing.json()["detail"]["code"] == "not_found"
