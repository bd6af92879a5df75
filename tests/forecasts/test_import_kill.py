"""An import killed at any moment lands all or nothing: the ledger and the rows stay whole."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forecasts.services.ledger import open_database, verify_ledger

N_FORECASTS = 6000


def _history(path: Path) -> None:
    questions = [
        {"id": f"K{i}", "title": "t", "kind": "binary", "opens_at": "2026-01-01",
         "closes_at": "2030-01-01", "resolve_on": "2030-01-02"}
        for i in range(100)
    ]  # fmt: skip
    forecasts = [
        {"question": f"K{i % 100}", "by": f"u{i % 10}", "p": 0.5, "made_at": "2026-02-01"}
        for i in range(N_FORECASTS)
    ]
    people = [{"handle": f"u{i}", "name": f"U{i}"} for i in range(10)]
    path.write_text(
        json.dumps({"forecasters": people, "questions": questions, "forecasts": forecasts}),
        encoding="utf-8",
    )


@pytest.mark.slow
def test_an_import_killed_at_random_moments_lands_all_or_nothing(
    database_url: str, tmp_path: Path
) -> None:
    history = tmp_path / "history.json"
    _history(history)
    store = open_database(database_url)  # migrated before the first kill
    store.close()
    rng = random.Random(11)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "forecasts", "import", str(history), "--db", database_url]
    landed = 0
    for _ in range(4):
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
        )
        time.sleep(rng.uniform(0.5, 4.0))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        store = open_database(database_url)
        counts = store.counts()
        report = verify_ledger(store)
        store.close()
        assert report.ok, report.problems
        # all or nothing: either the whole file landed (once) or none of it
        assert (counts["forecasters"], counts["questions"], counts["forecasts"]) in (
            (0, 0, 0),
            (10, 100, N_FORECASTS),
        )
        if counts["forecasts"]:
            landed += 1
            break
    final = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    store = open_database(database_url)
    counts = store.counts()
    store.close()
    if landed:  # a killed run had finished: the second import is refused whole
        assert final.returncode == 2
    else:
        assert final.returncode == 0, final.stderr
    assert counts["forecasts"] == N_FORECASTS
