"""The end of `forecasts demo`: track records, the leaderboard, how to open the pages."""

from __future__ import annotations

from forecasts.cli.demo import demo_summary
from forecasts.db.store import Store

from .conftest import AS_OF, seed


def test_demo_summary_without_resolved_questions(store: Store) -> None:
    lines = demo_summary(store, as_of=AS_OF, db="forecasts-demo.db")
    assert "  no resolved questions yet" in lines
    assert any("forecasts serve --db forecasts-demo.db" in line for line in lines)


def test_demo_summary_with_records(store: Store) -> None:
    seed(store)
    text = "\n".join(demo_summary(store, as_of=AS_OF, db="demo.db"))
    assert "Alice (alice):" in text and "Brier at close" in text
    assert "Leaderboard:" in text and "carol" in text
