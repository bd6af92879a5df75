"""Benchmark a large import: N forecasts (default 200,000) through ``forecasts import``.

What: a JSON history of N binary forecasts on 2,000 questions by 100 forecasters, imported
into a fresh SQLite file by the real CLI (validated, all or nothing, one ledger event per
record, one transaction). The baseline, in the same run, is the floor of the storage
itself: the same forecast rows written with one ``executemany`` through the standard
``sqlite3`` module (no validation, no ledger). Prints one JSON object: both times, the
ratio, forecasts per second, and whether the import succeeded with every record in place.

To run::

    .venv/bin/python benchmarks/import_large.py [--forecasts 200000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _history(n: int) -> dict[str, list[dict[str, object]]]:
    return {
        "forecasters": [{"handle": f"u{i}", "name": f"U{i}"} for i in range(100)],
        "questions": [
            {"id": f"Q{i}", "title": "t", "kind": "binary", "opens_at": "2026-01-01",
             "closes_at": "2030-01-01", "resolve_on": "2030-01-02"}
            for i in range(2000)
        ],
        "forecasts": [
            {"question": f"Q{i % 2000}", "by": f"u{i % 100}", "p": 0.5, "made_at": "2026-02-01"}
            for i in range(n)
        ],
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forecasts", type=int, default=200_000)
    args = parser.parse_args()
    cli = str(Path(sys.executable).with_name("forecasts"))
    with tempfile.TemporaryDirectory() as tmp:
        history = Path(tmp) / "history.json"
        document = _history(args.forecasts)
        history.write_text(json.dumps(document), encoding="utf-8")

        floor_db = sqlite3.connect(Path(tmp) / "floor.db")
        floor_db.execute("CREATE TABLE f (id TEXT PRIMARY KEY, q TEXT, by TEXT, t TEXT, p REAL)")
        start = time.perf_counter()
        rows = [
            (f"f{i}", f["question"], f["by"], f["made_at"], f["p"])
            for i, f in enumerate(document["forecasts"])
        ]
        with floor_db:
            floor_db.executemany("INSERT INTO f VALUES (?, ?, ?, ?, ?)", rows)
        floor = time.perf_counter() - start
        floor_db.close()

        db = f"sqlite:///{Path(tmp) / 'import.db'}"
        start = time.perf_counter()
        done = subprocess.run(
            [cli, "import", str(history), "--db", db, "--json"], capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        imported = json.loads(done.stdout)["imported"] if done.returncode == 0 else {}
    print(
        json.dumps(
            {
                "benchmark": "import_large",
                "forecasts": args.forecasts,
                "ok": done.returncode == 0 and imported.get("forecasts") == args.forecasts,
                "import_s": round(seconds, 2),
                "floor_sqlite3_executemany_s": round(floor, 3),
                "ratio": round(seconds / floor, 1),
                "forecasts_per_s": round(args.forecasts / seconds),
                "stderr": done.stderr.strip().splitlines()[-1:] if done.returncode else [],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
