"""The demo: the founding example on a fresh SQLite file, resolved from recordings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forecasts.db.checks import CheckStatus, check_statuses
from forecasts.db.store import LedgerHead, Store, open_store
from forecasts.domain import Correction, Forecast, Question, Resolution, question_status
from forecasts.resolution.runtime import build_registry
from forecasts.resolution.spec import parse_resolution
from forecasts.resolution.sweep import QuestionResult, run_sweep
from forecasts.timeutils import utc_now
from forecasts.vocab import QuestionStatus
from sources import ReplayFetcher

from .transfer import import_file

__all__ = ["DemoQuestion", "DemoRun", "default_example", "run_demo", "spec_sources"]


def default_example() -> Path:
    """``examples/ai_race_2026.yaml`` beside the package (source checkout)."""
    return Path(__file__).resolve().parents[2] / "examples" / "ai_race_2026.yaml"


def spec_sources(spec: dict[str, Any]) -> list[str]:
    """The names of the sources a resolution spec reads."""
    plan = parse_resolution(spec, build_registry())
    return sorted({leaf.spec.source for leaf in plan.leaves()})


@dataclass(frozen=True)
class DemoQuestion:
    question: Question
    status: QuestionStatus
    resolution: Resolution | None
    corrections: list[Correction]
    check: CheckStatus | None
    forecasts: list[Forecast]


@dataclass
class DemoRun:
    """What the demo did: imported, resolved from recordings, and where everything stands."""

    source: Path
    db_path: Path
    imported: dict[str, int]
    recordings: Path | None
    swept: list[QuestionResult] = field(default_factory=list)
    questions: list[DemoQuestion] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    head: LedgerHead | None = None


def run_demo(db_path: Path, example: Path | None = None) -> tuple[DemoRun, Store]:
    """Create ``db_path`` afresh, import ``example``, resolve what recordings can resolve.

    Returns the run and the open store (the caller closes it).
    """
    source = example or default_example()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    store = open_store(f"sqlite:///{db_path}")
    now = utc_now()
    summary = import_file(store, source, as_of=now)
    recordings = source.parent / "recordings" / source.stem
    run = DemoRun(source, db_path, summary.counts, recordings if recordings.is_dir() else None)
    if run.recordings is not None:
        swept = run_sweep(
            store,
            build_registry(),
            ReplayFetcher(run.recordings),
            as_of=now,
            clock=utc_now,
            worker="demo",
        )
        run.swept = swept.results
    checks = check_statuses(store)
    outcomes = store.current_outcomes()
    run.names = {f.handle: f.name for f in store.forecasters()}
    for question in sorted(store.questions(), key=lambda q: q.id):
        run.questions.append(
            DemoQuestion(
                question=question,
                status=question_status(question, resolved=outcomes.get(question.id), as_of=now),
                resolution=store.resolution(question.id),
                corrections=store.corrections(question.id),
                check=checks.get(question.id),
                forecasts=store.forecasts(question_id=question.id),
            )
        )
    run.head = store.ledger_head()
    return run, store
