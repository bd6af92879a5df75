"""Questions that read one body, or carry the very same spec, in one sweep: each still gets
its own outcome and its own evidence, and one question's failing part fails only it
(SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from forecasts.db.store import Store
from forecasts.resolution.sweep import RetryPolicy
from forecasts.services import add_question
from sources import Fetcher
from tests.factories import make_question
from tests.forecasts.resolution.conftest import Route, Server, sweep

AS_OF = datetime(2027, 1, 5, tzinfo=UTC)
BODY = json.dumps({"data": {"value": 12.5, "name": "north", "series": [3, 1, 2]}}).encode()


def _spec(server: Server, path: str, **rule: Any) -> dict[str, Any]:
    return {"source": "http_json", "url": server.url("/v"), "path": path, **rule}


def test_questions_sharing_a_body_and_specs_resolve_each_on_its_own(
    store: Store, server: Server, fetcher: Fetcher
) -> None:
    server.routes["/v"] = Route(BODY)
    value = "$.data.value"
    questions: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
        "AT10": (_spec(server, value, op=">=", threshold=10), {}),
        "AT20": (_spec(server, value, op=">=", threshold=20), {}),
        "AT10B": (_spec(server, value, op=">=", threshold=10), {}),
        "NUM": (_spec(server, value), {"kind": "numeric"}),
        "NAME": (_spec(server, "$.data.name", value_type="text", op="==", threshold="north"), {}),
        "MAX": (_spec(server, "$.data.series[*]", pick="max", op=">", threshold=2.5), {}),
        "FIRST": (_spec(server, "$.data.series[*]", pick="first", op=">", threshold=2.5), {}),
        "SELF": (
            {"rule": "ratio", "a": _spec(server, value), "b": _spec(server, value)},
            {"kind": "numeric"},
        ),
        "PART_FAILS": (
            {
                "rule": "all",
                "of": [
                    _spec(server, value, op=">=", threshold=10),
                    _spec(server, "$.data.missing", op=">=", threshold=10),
                ],
            },
            {},
        ),
    }
    for qid, (resolution, fields) in questions.items():
        add_question(
            store,
            make_question(qid, resolution=resolution, **fields),
            as_of=datetime(2026, 1, 1, tzinfo=UTC),
        )
    # Claim batches of 4: equal specs also land in different batches.
    summary = sweep(store, fetcher, as_of=AS_OF, policy=RetryPolicy(batch_size=4))
    assert server.hits["/v"] == 1
    got = {r.question_id: (r.outcome, r.value) for r in store.resolutions()}
    assert got == {
        "AT10": ("yes", None),
        "AT20": ("no", None),
        "AT10B": ("yes", None),
        "NUM": ("12.5", 12.5),
        "NAME": ("yes", None),
        "MAX": ("yes", None),
        "FIRST": ("yes", None),
        "SELF": ("1.0", 1.0),
    }
    failed = {r.question_id: r for r in summary.results if r.result.value != "resolved"}
    assert list(failed) == ["PART_FAILS"]
    assert "matched nothing" in failed["PART_FAILS"].detail
    sha = hashlib.sha256(BODY).hexdigest()
    for qid in got:
        resolution = store.resolution(qid)
        assert resolution is not None and resolution.evidence_sha256 == [sha]
