"""A resolution says, in a field of its own, whether it was read from recorded responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from forecasts.db.store import Store
from forecasts.db.verify import verify_store
from forecasts.resolution.sweep import run_sweep
from forecasts.services import add_question
from sources import (
    Evidence,
    Fetcher,
    FetcherLike,
    FetchRequest,
    ReplayFetcher,
    load_sources,
    save_recording,
)
from tests.factories import make_question
from tests.forecasts.resolution.conftest import Route, Server

AS_OF = datetime(2027, 1, 5, tzinfo=UTC)


def _resolve(store: Store, url: str, fetcher: FetcherLike) -> None:
    spec = {"source": "http_json", "url": url, "path": "$.data.value", "op": ">", "threshold": 1}
    add_question(store, make_question("R", resolution=spec), as_of=datetime(2026, 1, 1, tzinfo=UTC))
    summary = run_sweep(
        store,
        load_sources("forecasts.sources"),
        fetcher,
        as_of=AS_OF,
        clock=lambda: datetime.now(UTC),
        worker="w",
    )
    assert [r.result for r in summary.results] == ["resolved"]


def _ledgered(store: Store) -> dict[str, Any]:
    with store.reading() as session:
        [event] = [e for e in store.events(session) if e.entity_type == "resolution"]
        data: dict[str, Any] = json.loads(event.payload)["data"]
        return data


def test_replayed_responses_mark_the_resolution(store: Store, tmp_path: Path) -> None:
    url = "https://example.org/v"
    body = b'{"data": {"value": 5}}'
    evidence = Evidence.from_response(
        url=url, status=200, content_type="application/json", body=body, fetched_at=AS_OF
    )
    save_recording(
        tmp_path, FetchRequest(url=url, headers=(("Accept", "application/json"),)), evidence
    )
    _resolve(store, url, ReplayFetcher(tmp_path))
    resolution = store.resolution("R")
    assert resolution is not None and resolution.recorded_evidence
    assert not resolution.note.startswith("[")
    assert _ledgered(store)["recorded_evidence"] is True
    assert verify_store(store).ok


def test_live_resolutions_keep_the_ledger_payload_they_always_had(
    store: Store, server: Server, fetcher: Fetcher
) -> None:
    server.routes["/v"] = Route(b'{"data": {"value": 5}}')
    _resolve(store, server.url("/v"), fetcher)
    resolution = store.resolution("R")
    assert resolution is not None and not resolution.recorded_evidence
    # Exactly the keys of resolutions ledgered before the field existed, so those still verify.
    assert set(_ledgered(store)) == {
        "question_id",
        "outcome",
        "value",
        "resolved_at",
        "method",
        "by",
        "note",
        "evidence_url",
        "evidence_sha256",
    }
    assert verify_store(store).ok


def test_resolutions_from_before_the_field_verify_after_the_upgrade(
    database_url: str, server: Server, fetcher: Fetcher
) -> None:
    from alembic import command
    from alembic.config import Config

    from forecasts.db import migrate as migrations
    from forecasts.db.engine import make_engine
    from forecasts.db.store import open_store

    server.routes["/v"] = Route(b'{"data": {"value": 5}}')
    store = open_store(database_url)
    _resolve(store, server.url("/v"), fetcher)
    store.close()
    engine = make_engine(database_url)
    with engine.begin() as connection:  # back to the schema without the column, data kept
        config = Config()
        scripts = Path(migrations.__file__).with_name("migrations")
        config.set_main_option("script_location", str(scripts))
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    migrations.migrate(engine)
    engine.dispose()
    store = open_store(database_url)
    try:
        resolution = store.resolution("R")
        assert resolution is not None and not resolution.recorded_evidence
        assert verify_store(store).ok
    finally:
        store.close()
