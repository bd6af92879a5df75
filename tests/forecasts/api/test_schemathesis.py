"""schemathesis against the running API: no 5xx and every response fits /openapi.json.

The same command by hand (docs/api.md)::

    forecasts serve --db ./forecasts-demo.db &
    .venv/bin/schemathesis run http://127.0.0.1:8000/openapi.json \
        --checks not_a_server_error,response_schema_conformance --max-examples 25

(add ``-H "Authorization: Bearer $(forecasts token create fuzz --admin)"`` to fuzz the writes
too, on a throwaway database).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from forecasts.db.store import open_store
from forecasts.services.tokens import create_token
from forecasts.timeutils import utc_now

from ._server import example_database, running_server

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.mark.slow
@pytest.mark.skipif(not SCHEMATHESIS.exists(), reason="schemathesis is not installed")
def test_schemathesis_finds_no_server_errors_and_no_schema_violations(tmp_path: Path) -> None:
    url = example_database(tmp_path / "api.db", as_of=utc_now())
    store = open_store(url)
    admin, _ = create_token(store, "fuzzing", admin=True, as_of=utc_now())
    store.close()
    with running_server(url) as base:
        result = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "not_a_server_error,response_schema_conformance",
                "--max-examples",
                "25",
                "--seed",
                "1",
                "--workers",
                "1",
                "--phases",
                "examples,coverage,fuzzing",
                "--generation-database",
                "none",
                "--no-color",
                "-H",  # an admin token, so the writes' validation is fuzzed too
                f"Authorization: Bearer {admin}",
                "--request-timeout",
                "30",
            ],
            capture_output=True,
            text=True,
            timeout=240,
            cwd=tmp_path,
            check=False,
        )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
