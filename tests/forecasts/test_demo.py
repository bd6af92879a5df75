"""`forecasts demo` and `python -m forecasts` run as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_demo_creates_a_fresh_database_and_prints_the_founding_claims(tmp_path: Path) -> None:
    stale = tmp_path / "forecasts-demo.db"
    stale.write_bytes(b"not a database")
    for _ in range(2):  # afresh each time: a second run must not fail on duplicates
        result = subprocess.run(
            [sys.executable, "-m", "forecasts", "demo"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "14 questions" in out
    for qid in ("A0", "A1", "A2", "A3", "A4", "B0", "B1", "B2", "B3", "C0", "C1", "C2", "D1", "D2"):
        assert f"\n{qid} " in out
    assert "Yao Shunyu, 2026-01-10: p=0.875 (said 'high likelihood'" in out
    assert "10 to 100, 90% interval, log scale" in out
    assert "Resolved D1 -> YES from RECORDED responses" in out
    assert "Resolved B0 -> 6.07" in out and "from RECORDED responses" in out
    # Family A and C snapshots from two real LMArena publications (2025-07-27, 2025-08-04).
    assert "Resolved A0 -> NO from RECORDED responses" in out
    assert "top rating 1470 by Gemini-2.5-Pro (Google)" in out and "published 2025-08-04" in out
    assert "Resolved C0 -> YES from RECORDED responses" in out
    assert "which are hand-written in a source's shape (Yahoo, D1)" in out
    assert "difference of 36 and 48 = -12" in out
    assert "pending: next check 2029-01-10 (source: lmarena)" in out
    verify = subprocess.run(
        [sys.executable, "-m", "forecasts", "verify", "--db", "forecasts-demo.db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
