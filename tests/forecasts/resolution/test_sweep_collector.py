"""A sweep sets the garbage collector for batch work while it runs and puts it back after,
so a long-running scheduler or server process keeps its own settings."""

from __future__ import annotations

import gc
import json
from datetime import UTC, datetime

from forecasts.db.store import Store
from forecasts.services import add_question
from sources import Fetcher
from tests.factories import make_question
from tests.forecasts.resolution.conftest import Route, Server, sweep

AS_OF = datetime(2027, 1, 5, tzinfo=UTC)


def test_the_collector_is_set_during_a_sweep_and_restored_after_it(
    store: Store, server: Server, fetcher: Fetcher
) -> None:
    server.routes["/v"] = Route(json.dumps({"data": {"value": 12}}).encode())
    spec = {"source": "http_json", "url": server.url("/v"), "path": "$.data.value", "op": ">="}
    for qid in ("G1", "G2"):
        add_question(store, make_question(qid, resolution={**spec, "threshold": 10}), as_of=AS_OF)
    before = gc.get_threshold()
    during: list[tuple[int, int, int]] = []

    summary = sweep(
        store,
        fetcher,
        as_of=AS_OF,
        progress=lambda done, claimed: during.append(gc.get_threshold()),
    )

    assert summary.counts()["resolved"] == 2
    assert len(during) == 2 and all(t[0] > before[0] for t in during)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
