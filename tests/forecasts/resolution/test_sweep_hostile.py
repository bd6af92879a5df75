"""No source can break a sweep: 50 good questions and hostile endpoints on a real local server.

Every hostile question sorts before the good ones (so it is claimed and fetched first). Each
must end with a recorded failed attempt on that question only, with a one-line reason; every
good question must be resolved, and written while the drip-feed endpoint is still dripping.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from forecasts.db.checks import check_status, check_statuses
from forecasts.db.store import Store
from forecasts.db.verify import verify_store
from forecasts.domain import CheckState, Question
from forecasts.resolution.sweep import RetryPolicy, run_sweep
from forecasts.services import add_question
from sources import Fetcher, HttpPolicy, load_sources, make_client
from tests.factories import make_question

AS_OF = datetime(2027, 1, 5, tzinfo=UTC)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
GOOD = 50
DRIP_BYTES = b'{"data": {"value"'  # a byte every DRIP_EVERY s: 8 s, and truncated at the end
DRIP_EVERY = 0.5
DRIP_S = len(DRIP_BYTES) * DRIP_EVERY


@dataclass(frozen=True)
class Hostile:
    name: str
    path: str | None  # served by the test server; None when ``url`` is the whole story
    url: str | None = None


HOSTILE = [
    Hostile("deep_json", "/deep"),  # a 10^6-deep JSON array
    Hostile("huge_integer", "/huge-int"),  # a 100,000-digit integer
    Hostile("unparseable_url", None, "http://0177.0.0.1/"),  # httpx cannot parse it
    Hostile("http_500", "/500"),
    Hostile("drip_feed", "/drip"),  # one byte every 0.5 s
    Hostile("retry_after_overflow", "/429"),  # 429 with a Retry-After of 10^23 s
    Hostile("not_http", "/garbage"),  # bytes that are no HTTP response
    Hostile("short_body", "/short"),  # Content-Length promises more than is sent
    Hostile("redirect_loop", "/loop"),
    Hostile("redirect_unparseable", "/bad-location"),  # Location: http://0177.0.0.1/
    Hostile("nan_value", "/nan"),
    Hostile("infinite_value", "/inf"),
    Hostile("wrong_shape", "/shape"),  # the value is an object
    Hostile("invalid_utf8", "/latin"),
]


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", headers.pop("length", str(len(body))))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


class _Drip:
    """Whether ``/drip`` drips, and when it last finished (server side, monotonic)."""

    on = True
    finished_at: list[float] = []


def _serve(handler: BaseHTTPRequestHandler) -> None:  # noqa: C901 (one route per hostile case)
    path = handler.path.split("?", 1)[0]
    if path.startswith("/good/"):
        _send(handler, 200, json.dumps({"data": {"value": int(path[6:])}}).encode())
    elif path == "/deep":
        _send(handler, 200, b"[" * 10**6 + b"]" * 10**6)
    elif path == "/huge-int":
        _send(handler, 200, b'{"data": {"value": ' + b"7" * 100_000 + b"}}")
    elif path == "/500":
        _send(handler, 500, b"boom")
    elif path == "/drip":
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(DRIP_BYTES)))
        handler.end_headers()
        for byte in DRIP_BYTES:
            time.sleep(DRIP_EVERY if _Drip.on else 0)
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
        _Drip.finished_at.append(time.monotonic())
    elif path == "/429":
        _send(handler, 429, b"slow down", Retry_After="1" + "0" * 23)
    elif path == "/garbage":
        handler.wfile.write(b"\x00\xffthis is not HTTP\r\n\r\n")
    elif path == "/short":
        _send(handler, 200, b'{"data": {"va', length="1000")
    elif path == "/loop":
        _send(handler, 302, b"", Location="/loop")
    elif path == "/bad-location":
        _send(handler, 302, b"", Location="http://0177.0.0.1/")
    elif path == "/nan":
        _send(handler, 200, b'{"data": {"value": NaN}}')
    elif path == "/inf":
        _send(handler, 200, b'{"data": {"value": 1e999}}')
    elif path == "/shape":
        _send(handler, 200, b'{"data": {"value": {"nested": [1, 2]}}}')
    elif path == "/latin":
        _send(handler, 200, b'{"data": {"value": "\xe9\xe9"}}')
    else:
        _send(handler, 404, b"{}")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        try:
            _serve(self)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def base_url() -> Iterator[str]:
    _Drip.on, _Drip.finished_at = True, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    # The defaults (10 MB bodies, 30 s reads) so the hostile payloads reach the parsers.
    policy = HttpPolicy(user_agent="forecasts-tests", allow_private=True, retries=0)
    client = make_client(policy)
    yield Fetcher(client, policy)
    client.close()


def _question(qid: str, url: str) -> Question:
    spec = {"source": "http_json", "url": url, "path": "$.data.value", "op": ">=", "threshold": 25}
    return make_question(qid, resolution=spec)


def _ids(store: Store, base_url: str) -> tuple[list[str], dict[str, str]]:
    hostile = {f"A{i:02d}-{case.name}": case.name for i, case in enumerate(HOSTILE)}
    # Recorded without the spec check that add_question runs: a spec stored before that check
    # grew stricter (or imported) must not break a sweep either.
    with store.transaction() as session:
        for qid, case in zip(hostile, HOSTILE, strict=True):
            url = case.url or base_url + (case.path or "")
            store.record(session, _question(qid, url), as_of=CREATED)
    good = [f"Q{i:02d}" for i in range(GOOD)]
    for i, qid in enumerate(good):
        add_question(store, _question(qid, f"{base_url}/good/{i}"), as_of=CREATED)
    return good, hostile


def test_the_hostile_cases_are_counted() -> None:
    assert len(HOSTILE) == 14
    assert len({case.name for case in HOSTILE}) == len(HOSTILE)


def test_no_hostile_source_breaks_the_sweep(store: Store, base_url: str, fetcher: Fetcher) -> None:
    good, hostile = _ids(store, base_url)
    start = time.monotonic()
    settled: list[float] = []  # called after each question's write has committed

    def progress(_done: int, _claimed: int) -> None:
        settled.append(time.monotonic())

    summary = run_sweep(
        store,
        load_sources("forecasts.sources"),
        fetcher,
        as_of=AS_OF,
        clock=lambda: datetime.now(UTC),
        worker="w1",
        policy=RetryPolicy(batch_size=100),
        progress=progress,
    )
    wall = time.monotonic() - start
    results = {r.question_id: r for r in summary.results}
    written = dict(zip((r.question_id for r in summary.results), settled, strict=True))
    assert set(results) == set(good) | set(hostile)

    # Every good question is resolved, and all were in the database while the drip went on.
    assert {qid for qid, r in results.items() if r.result == "resolved"} == set(good)
    assert {r.question_id: r.outcome for r in store.resolutions()} == {
        qid: ("yes" if int(qid[1:]) >= 25 else "no") for qid in good
    }
    [drip_ended] = _Drip.finished_at
    assert max(written[qid] for qid in good) < drip_ended
    assert summary.results[-1].question_id.endswith("drip_feed")
    assert wall >= DRIP_S

    # Every hostile question has a recorded failed attempt with a one-line reason, and no claim.
    statuses = check_statuses(store)
    for qid, name in hostile.items():
        status = statuses[qid]
        assert results[qid].result in ("failed", "needs_review"), (name, results[qid])
        assert status.state in (CheckState.PENDING, CheckState.NEEDS_REVIEW), name
        assert status.attempts == 1, name
        reason = status.last_error or ""
        assert reason and "\n" not in reason and len(reason) < 600, (name, reason)
        assert store.resolution(qid) is None
    assert "0177.0.0.1" in (statuses[next(q for q in hostile if "unparseable_url" in q)].last_error)
    assert all(
        s.next_check_at is None or s.next_check_at <= AS_OF + timedelta(days=1)
        for s in statuses.values()
    )
    assert _claims_held(store) == 0
    assert verify_store(store).ok

    # A later sweep meets the same hostile answers again (the drip now quick), and does not
    # crash either.
    _Drip.on = False
    again = run_sweep(
        store,
        load_sources("forecasts.sources"),
        fetcher,
        as_of=AS_OF + timedelta(days=2),
        clock=lambda: datetime.now(UTC),
        worker="w2",
        policy=RetryPolicy(batch_size=100),
    )
    retried = {qid for qid in hostile if statuses[qid].state is CheckState.PENDING}
    assert len(retried) >= len(HOSTILE) - 1  # at most the spec URL goes to review at once
    assert {r.question_id for r in again.results} == retried
    assert all(r.result in ("failed", "needs_review") for r in again.results)
    assert all(check_status(store, qid).attempts == 2 for qid in retried)  # type: ignore[union-attr]
    assert _claims_held(store) == 0
    assert verify_store(store).ok


def _claims_held(store: Store) -> int:
    from sqlmodel import col, select

    from forecasts.db.tables import ResolutionCheckRow

    with store.reading() as session:
        rows: Any = session.exec(
            select(ResolutionCheckRow).where(col(ResolutionCheckRow.claimed_by).is_not(None))
        ).all()
        return len(rows)
