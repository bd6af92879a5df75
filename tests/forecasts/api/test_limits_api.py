"""The API under bad input: non-finite numbers, far dates, oversized bodies (4xx, nothing
written, never a 500)."""

from __future__ import annotations

import json
from typing import Any

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
