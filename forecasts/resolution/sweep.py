"""The sweep: find due questions, fetch each distinct request once, evaluate, write.

One transaction per question (resolution, evidence and ledger event together). A failing or
ambiguous source never produces an outcome: the question stays pending with the error recorded,
is retried with capped exponential backoff, and after a limit of attempts (or past a grace
period) is flagged ``needs_review``. Running the same sweep twice changes nothing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from forecasts.db.checks import (
    check_status,
    claim_due,
    ensure_checks,
    release,
    write_attempt,
    write_resolution,
)
from forecasts.db.evidence import StoredEvidence
from forecasts.db.store import Store
from forecasts.domain import Question, Resolution, ResolutionMethod, check_outcome
from forecasts.errors import ForecastsError
from sources import (
    Evidence,
    FetcherLike,
    FetchRequest,
    NotYetError,
    Observation,
    RetryableSourceError,
    Source,
    SourceError,
    SourceRegistry,
)

from .rules import RuleError, Verdict, evaluate
from .spec import Leaf, ResolutionPlan, parse_resolution

__all__ = ["QuestionResult", "RetryPolicy", "SweepSummary", "default_worker_name", "run_sweep"]

_MAX_PAGING_ROUNDS = 50


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff and review limits of the sweep."""

    max_attempts: int = 8
    backoff_base: timedelta = timedelta(minutes=15)
    backoff_cap: timedelta = timedelta(days=1)
    grace: timedelta = timedelta(days=30)
    lease: timedelta = timedelta(minutes=10)
    batch_size: int = 200
    deadline_check_every: timedelta = timedelta(days=1)

    def backoff(self, attempts: int) -> timedelta:
        """Delay before check number ``attempts + 1``: base * 2^(attempts-1), capped."""
        step: timedelta = self.backoff_base * (2 ** max(attempts - 1, 0))
        return min(step, self.backoff_cap)


@dataclass(frozen=True)
class QuestionResult:
    """What the sweep did with one question."""

    question_id: str
    result: str  # resolved | pending | failed | needs_review | skipped
    outcome: str | None = None
    detail: str = ""
    next_check_at: datetime | None = None
    evidence_sha256: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "result": self.result,
            "outcome": self.outcome,
            "detail": self.detail,
            "next_check_at": self.next_check_at.isoformat() if self.next_check_at else None,
            "evidence_sha256": list(self.evidence_sha256),
        }


@dataclass
class SweepSummary:
    """Every question the sweep looked at, and the counts by result."""

    as_of: datetime
    worker: str
    dry_run: bool
    results: list[QuestionResult] = field(default_factory=list)
    requests: int = 0

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("resolved", "pending", "failed", "needs_review", "skipped"), 0)
        for r in self.results:
            counts[r.result] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "worker": self.worker,
            "dry_run": self.dry_run,
            "requests": self.requests,
            "counts": self.counts(),
            "results": [r.to_json() for r in self.results],
        }


@dataclass
class _Check:
    question: Question
    plan: ResolutionPlan | None = None
    error: str | None = None
    requests: dict[int, list[FetchRequest]] = field(default_factory=dict)


class _Sweep:
    def __init__(
        self,
        store: Store,
        registry: SourceRegistry,
        fetcher: FetcherLike,
        *,
        as_of: datetime,
        clock: Callable[[], datetime],
        worker: str,
        policy: RetryPolicy,
        dry_run: bool,
    ) -> None:
        self.store = store
        self.registry = registry
        self.fetcher = fetcher
        self.as_of = as_of
        self.clock = clock
        self.worker = worker
        self.policy = policy
        self.dry_run = dry_run
        self.cache: dict[str, Evidence | SourceError] = {}

    # -- fetching -------------------------------------------------------------------------

    def _source(self, leaf: Leaf) -> Source[Any]:
        return self.registry.get(leaf.spec.source)

    def _fetch(self, requests: list[FetchRequest]) -> None:
        todo: dict[str, FetchRequest] = {}
        for request in requests:
            if request.key in self.cache or request.key in todo:
                continue
            todo[request.key] = request
        if not todo:
            return
        self.cache.update(self.fetcher.fetch_many(list(todo.values()), fetched_at=self.clock()))

    def _prepare(self, checks: list[_Check]) -> None:
        """Plan requests for every leaf, fetch in rounds (paging), all deduplicated."""
        pending: list[FetchRequest] = []
        for check in checks:
            if check.plan is None:
                continue
            for leaf in check.plan.leaves():
                source = self._source(leaf)
                try:
                    reqs = [source.auth(r) for r in source.requests(leaf.spec, as_of=self.as_of)]
                except SourceError as exc:
                    check.error = str(exc)
                    break
                check.requests[id(leaf)] = reqs
                pending.extend(reqs)
        self._fetch(pending)
        for _ in range(_MAX_PAGING_ROUNDS):
            more: list[FetchRequest] = []
            for check in checks:
                if check.plan is None or check.error:
                    continue
                for leaf in check.plan.leaves():
                    responses = self._responses(check.requests.get(id(leaf), []))
                    if responses is None:
                        continue
                    source = self._source(leaf)
                    extra = [
                        source.auth(r)
                        for r in source.more_requests(leaf.spec, responses, as_of=self.as_of)
                        if r.key not in responses
                    ]
                    if extra:
                        check.requests[id(leaf)].extend(extra)
                        more.extend(extra)
            if not more:
                return
            self._fetch(more)

    def _responses(self, requests: list[FetchRequest]) -> dict[str, Evidence] | None:
        out: dict[str, Evidence] = {}
        for request in requests:
            got = self.cache.get(request.key)
            if not isinstance(got, Evidence):
                return None
            out[request.key] = got
        return out

    # -- evaluating -----------------------------------------------------------------------

    def _evaluate(self, check: _Check) -> tuple[Verdict, list[Evidence]]:
        assert check.plan is not None
        observations: dict[int, Observation] = {}
        evidence: dict[str, Evidence] = {}
        for leaf in check.plan.leaves():
            requests = check.requests.get(id(leaf), [])
            responses: dict[str, Evidence] = {}
            for request in requests:
                got = self.cache.get(request.key)
                if isinstance(got, SourceError):
                    raise got
                assert got is not None
                responses[request.key] = got
                evidence[f"{got.url} {got.sha256}"] = got
            observations[id(leaf)] = self._source(leaf).parse(
                leaf.spec, responses, as_of=self.as_of
            )
        verdict = evaluate(check.plan.root, observations, check.question.kind)
        try:
            check_outcome(check.question, verdict.outcome, verdict.value)
        except ValueError as exc:
            raise RuleError(f"the rule gave an outcome that does not fit: {exc}") from None
        return verdict, list(evidence.values())

    def _failure(
        self,
        check: _Check,
        message: str,
        result: str,
        retry_after: float | None = None,
        *,
        final: bool = False,
    ) -> QuestionResult:
        question = check.question
        attempts = self._attempts(question.id) + 1
        delay = self.policy.backoff(attempts)
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        next_check: datetime | None = self.as_of + delay
        late = self.as_of > question.resolves_at + self.policy.grace
        review = attempts >= self.policy.max_attempts or late or final
        if review:
            why = (
                "retrying cannot help"
                if final
                else "attempt limit reached"
                if not late
                else "past the grace period"
            )
            message = f"{message} ({why}; needs manual review)"
            next_check = None
        if not self.dry_run:
            write_attempt(
                self.store,
                question.id,
                worker=self.worker,
                as_of=self.as_of,
                result=result,
                detail=message,
                next_check_at=next_check,
                count_failure=True,
                needs_review=review,
            )
        return QuestionResult(
            question.id, "needs_review" if review else result, None, message, next_check
        )

    def _attempts(self, question_id: str) -> int:
        status = check_status(self.store, question_id)
        return 0 if status is None else status.attempts

    def _check_one(self, check: _Check) -> QuestionResult:
        question = check.question
        if check.error is not None:
            return self._failure(check, check.error, "failed", final=check.plan is None)
        assert check.plan is not None
        if check.plan.window_start is not None and self.as_of < check.plan.window_start:
            return self._pending(check, "checks start at the window start", check.plan.window_start)
        try:
            verdict, evidence = self._evaluate(check)
        except NotYetError as exc:
            return self._failure(check, f"not yet: {exc}", "pending")
        except RetryableSourceError as exc:
            return self._failure(check, f"retryable: {exc}", "failed", exc.retry_after)
        except (SourceError, RuleError) as exc:
            return self._failure(check, f"error: {exc}", "failed")
        if (
            question.deadline is not None
            and verdict.outcome == "no"
            and self.as_of < question.deadline
        ):
            every = question.check_every or self.policy.deadline_check_every
            return self._pending(
                check,
                f"condition not seen yet: {verdict.detail}",
                min(self.as_of + every, question.deadline),
            )
        return self._resolve(check, verdict, evidence)

    def _pending(self, check: _Check, detail: str, next_check: datetime) -> QuestionResult:
        if not self.dry_run:
            write_attempt(
                self.store,
                check.question.id,
                worker=self.worker,
                as_of=self.as_of,
                result="pending",
                detail=detail,
                next_check_at=next_check,
                count_failure=False,
                needs_review=False,
            )
        return QuestionResult(check.question.id, "pending", None, detail, next_check)

    def _resolve(self, check: _Check, verdict: Verdict, evidence: list[Evidence]) -> QuestionResult:
        question = check.question
        hashes = tuple(e.sha256 for e in evidence)
        names = sorted({leaf.spec.source for leaf in check.plan.leaves()}) if check.plan else []
        recorded = any(e.recorded for e in evidence)
        note = ("[recorded evidence] " if recorded else "") + verdict.detail
        resolution = Resolution(
            question_id=question.id,
            outcome=verdict.outcome,
            value=verdict.value,
            resolved_at=self.as_of,
            method=ResolutionMethod.SOURCE,
            by="source:" + "+".join(names),
            note=note[:4000],
            evidence_url=evidence[0].url if evidence else None,
            evidence_sha256=list(hashes),
        )
        if self.dry_run:
            return QuestionResult(question.id, "resolved", verdict.outcome, note, None, hashes)
        rows = [
            StoredEvidence(
                question_id=question.id,
                url=e.url,
                fetched_at=e.fetched_at,
                status=e.status,
                content_type=e.content_type,
                sha256=e.sha256,
                size=e.size,
                body=e.body,
                excerpt=e.excerpt,
                recorded=e.recorded,
            )
            for e in evidence
        ]
        written = write_resolution(
            self.store, resolution, rows, worker=self.worker, as_of=self.as_of, detail=note[:4000]
        )
        if not written:
            return QuestionResult(question.id, "skipped", None, "claim lost or already resolved")
        return QuestionResult(question.id, "resolved", verdict.outcome, note, None, hashes)

    # -- the loop -------------------------------------------------------------------------

    def plan(self, question: Question) -> _Check:
        check = _Check(question)
        try:
            if not question.resolution:
                raise ForecastsError("no resolution spec; resolve it manually")
            check.plan = parse_resolution(question.resolution, self.registry)
        except ForecastsError as exc:
            check.error = f"bad resolution spec: {exc.message}"
        except SourceError as exc:
            check.error = f"bad resolution spec: {exc}"
        return check


def run_sweep(
    store: Store,
    registry: SourceRegistry,
    fetcher: FetcherLike,
    *,
    as_of: datetime,
    clock: Callable[[], datetime],
    worker: str | None = None,
    policy: RetryPolicy | None = None,
    question_id: str | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SweepSummary:
    """Resolve what is due at ``as_of``; ``clock`` gives wall time for leases and evidence."""
    policy = policy or RetryPolicy()
    worker = worker or default_worker_name()
    summary = SweepSummary(as_of=as_of, worker=worker, dry_run=dry_run)
    sweep = _Sweep(
        store,
        registry,
        fetcher,
        as_of=as_of,
        clock=clock,
        worker=worker,
        policy=policy,
        dry_run=dry_run,
    )
    ensure_checks(store)
    seen: set[str] = set()
    done = 0
    while True:
        ids = claim_due(
            store,
            worker=worker,
            as_of=as_of,
            now=clock(),
            lease=policy.lease,
            limit=policy.batch_size,
            question_id=question_id,
        )
        ids = [i for i in ids if i not in seen]
        if not ids:
            break
        seen.update(ids)
        checks = [sweep.plan(question) for question in store.questions(ids=ids)]
        sweep._prepare(checks)
        for check in checks:
            summary.results.append(sweep._check_one(check))
            done += 1
            if progress is not None:
                progress(done, done)
    seen_ids = sorted(seen)
    # Claims still held (dry runs keep theirs until here, so the next round moves on).
    for start in range(0, len(seen_ids), 500):
        release(store, seen_ids[start : start + 500], worker=worker)
    summary.requests = len(sweep.cache)
    return summary
