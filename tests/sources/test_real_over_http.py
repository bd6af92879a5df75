"""Real recorded responses served by a real HTTP server on 127.0.0.1, fetched and parsed by the
sources as in production (fetcher, guard, evidence hashing); no other network."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from sources import Fetcher, HttpPolicy, PermanentSourceError, make_client
from sources.builtin.csv_source import CsvSource
from sources.builtin.http_json import HttpJsonSource
from sources.builtin.lmarena import LmarenaSource

from .conftest import FIXTURES, cassette_body

AS_OF = datetime(2026, 5, 8, tzinfo=UTC)

# path served -> (content type, recorded body)
_BODIES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "/lmarena_text.csv": (
        "text/csv",
        lambda: (FIXTURES / "lmarena/real/lmarena_text_2025-08-04.csv").read_bytes(),
    ),
    "/grapher/ai-systems.csv": (
        "text/csv; charset=utf-8",
        lambda: (
            FIXTURES / "owid/real/cumulative-number-of-large-scale-ai-systems-by-country.csv"
        ).read_bytes(),
    ),
    "/v2/country/JPN;USA/indicator/NY.GDP.MKTP.CD": (
        "application/json;charset=utf-8",
        lambda: cassette_body("worldbank/real/TestIndicatorValuesService_ListByCountryIDs.yaml", 0),
    ),
}


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True


def _handler() -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            served = _BODIES.get(self.path.split("?", 1)[0])
            ctype, body = (served[0], served[1]()) if served else ("text/plain", b"not found")
            self.send_response(200 if served else 404)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def base() -> Iterator[str]:
    httpd = _Quiet(("127.0.0.1", 0), _handler())
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _fetcher() -> Fetcher:
    policy = HttpPolicy.model_validate(
        {"user_agent": "sources-tests", "allow_private": True, "backoff_base": 0.01}
    )
    return Fetcher(make_client(policy), policy)


def _resolve(source: Any, spec: dict[str, Any]) -> Any:
    model = source.spec_model.model_validate(spec)
    return source.resolve(model, _fetcher(), as_of=AS_OF)


def test_lmarena_real_export_fetched_ranks_countries(base: str) -> None:
    spec = {
        "source": "lmarena",
        "date": "2025-08-04",
        "config": "text",
        "category": "overall",
        "by": "country",
        "export_url": f"{base}/lmarena_text.csv",
        "export_date": "2025-08-04",
        "unknown_orgs": "ignore",
    }
    observation, evidence = _resolve(LmarenaSource(), spec)
    assert observation.ranking["US"] == 1470 and observation.ranking["CN"] == 1434
    assert "ignored unmapped: AllenAI/UW, HuggingFace" in observation.detail
    served = (FIXTURES / "lmarena/real/lmarena_text_2025-08-04.csv").read_bytes()
    assert [e.sha256 for e in evidence] == [hashlib.sha256(served).hexdigest()]


def test_csv_real_owid_chart_fetched_and_filtered(base: str) -> None:
    spec = {
        "source": "csv",
        "url": f"{base}/grapher/ai-systems.csv",
        "filters": {"Entity": "China", "Year": "2025"},
        "column": "Cumulative number of large-scale AI systems by country",
        "aggregate": "max",
    }
    observation, evidence = _resolve(CsvSource(), spec)
    assert observation.value == 190
    assert evidence[0].url == f"{base}/grapher/ai-systems.csv"


def test_http_json_real_world_bank_page_fetched(base: str) -> None:
    url = f"{base}/v2/country/JPN;USA/indicator/NY.GDP.MKTP.CD?format=json"
    spec = {"source": "http_json", "url": url, "path": "$[1][?@.date == '2019'].value"}
    observation, _ = _resolve(HttpJsonSource(), spec)
    assert observation.value == pytest.approx(5081769542379.77)
    # The same page has no row for the United States: a filter on it matches nothing.
    missing = {**spec, "path": "$[1][?@.countryiso3code == 'USA'].value"}
    with pytest.raises(PermanentSourceError, match="matched nothing"):
        _resolve(HttpJsonSource(), missing)
