"""ReplayFetcher and recordings; the Yahoo demo recording replays offline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sources import (
    Evidence,
    FetchRequest,
    PermanentSourceError,
    ReplayFetcher,
    RetryableSourceError,
    save_recording,
)
from sources.builtin.yahoo_chart import YahooChartSource, YahooChartSpec

RECORDING = Path(__file__).parent / "fixtures" / "yahoo_chart" / "recording"


def test_yahoo_recording_replays() -> None:
    spec = YahooChartSpec(symbol="0100.HK", date=date(2026, 1, 9))
    observation, evidence = YahooChartSource().resolve(
        spec, ReplayFetcher(RECORDING), as_of=datetime(2026, 1, 20, tzinfo=UTC)
    )
    assert observation.value == 345.0
    assert evidence[0].recorded and evidence[0].verify()
    assert evidence[0].fetched_at == datetime(1970, 1, 1, tzinfo=UTC)


def test_missing_recording_and_error_statuses(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text(
        json.dumps(
            {
                "https://x.org/busy": {"file": "none", "status": 503},
                "https://x.org/gone": {"file": "none", "status": 404},
            }
        )
    )
    fetcher = ReplayFetcher(tmp_path)
    with pytest.raises(PermanentSourceError, match="no recording"):
        fetcher.fetch(FetchRequest(url="https://x.org/other"))
    results = fetcher.fetch_many(
        [FetchRequest(url="https://x.org/busy"), FetchRequest(url="https://x.org/gone")]
    )
    assert isinstance(results["GET https://x.org/busy"], RetryableSourceError)
    assert isinstance(results["GET https://x.org/gone"], PermanentSourceError)


def test_save_recording_round_trip(tmp_path: Path) -> None:
    request = FetchRequest(url="https://x.org/data", params=(("a", "1"),))
    evidence = Evidence.from_response(
        url="https://x.org/data?a=1",
        status=200,
        content_type="text/csv",
        body=b"a,b\n1,2\n",
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    save_recording(tmp_path, request, evidence)
    replayed = ReplayFetcher(tmp_path).fetch(request, fetched_at=datetime(2026, 2, 1, tzinfo=UTC))
    assert replayed.sha256 == evidence.sha256 and replayed.content_type == "text/csv"
    assert replayed.recorded and replayed.fetched_at == datetime(2026, 2, 1, tzinfo=UTC)
