"""The sweep: claim what is due, plan each question once, fetch, judge, write.

A short loop over three parts: :mod:`.plan` (the spec parsed once), ``sources.resolve_many``
(every distinct request fetched once, paged, each question handed back as soon as its own
requests finish) and :mod:`.policy` (when to look again). Judged questions are written
through ``forecasts.db.sweep_writes`` in batches: one transaction per batch, a few multi-row
statements for all of it, and, only if that fails, one savepoint per question (its resolution,
evidence, ledger events and attempt together, or nothing of it). A
batch is written whenever the fetcher would wait, or when it is full or old, so a slow source
delays only the questions that read it.

A failing or ambiguous source never produces an outcome: the question stays pending with the
error recorded and is retried with backoff, or goes to ``needs_review``. Whatever one question's
sources, spec or rule do, the sweep records it on that question and goes on; claims are always
released. Running the same sweep twice changes nothing.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from forecasts.collector import batch_collector
from forecasts.db.checks import claim_due, ensure_checks, release
from forecasts.db.evidence import StoredEvidence
from forecasts.db.store import Store
from forecasts.db.sweep_writes import AttemptWrite, ResolutionWrite, SweepWrite, write_batch
from forecasts.domain import Resolution, ResolutionMethod, SweepResult
from sources import (
    BatchResult,
    Evidence,
    FetcherLike,
    NotYetError,
    RetryableSourceError,
    SourceError,
    SourceRegistry,
    resolve_many,
)

from .plan import QuestionPlan, plan_question
from .policy import RetryPolicy, Review, next_deadline_check, next_step
from .rules import RuleError, Verdict

__all__ = ["QuestionResult", "RetryPolicy", "SweepSummary", "default_worker_name", "run_sweep"]

_MAX_TEXT = 4000
_RELEASE_CHUNK = 500


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


@dataclass(frozen=True)
class QuestionResult:
    """What the sweep did with one question."""

    question_id: str
    result: SweepResult
    outcome: str | None = None
    detail: str = ""
    next_check_at: datetime | None = None
    evidence_sha256: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "result": self.result.value,
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
        counts = {r.value: 0 for r in SweepResult}
        for r in self.results:
            counts[r.result.value] += 1
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


def _one_line(text: str) -> str:
    return " ".join(text.split())[:_MAX_TEXT]


_Write = tuple[QuestionPlan, QuestionResult, SweepWrite]


@dataclass
class _Sweep:
    """One sweep's settings and what it has done so far."""

    store: Store
    registry: SourceRegistry
    fetcher: FetcherLike
    as_of: datetime
    clock: Callable[[], datetime]
    worker: str
    policy: RetryPolicy
    dry_run: bool
    progress: Callable[[int, int], None] | None
    summary: SweepSummary
    timer: Callable[[], float] = time.monotonic
    claimed: int = 0
    # Responses shared by the claim batches of this sweep: a URL is fetched once per sweep.
    cache: dict[str, Evidence | SourceError] = field(default_factory=dict)
    # Failed checks so far, by question, for the claim batch being worked on.
    attempts: dict[str, int] = field(default_factory=dict)
    # Questions judged and not yet written, and when the oldest of them was judged.
    queue: list[_Write] = field(default_factory=list)
    queued_at: float = 0.0

    def batch(self, attempts: dict[str, int]) -> None:
        """Plan, fetch and write one batch of claimed questions (with their failed checks)."""
        question_ids = list(attempts)
        self.claimed += len(question_ids)
        self.attempts = attempts
        plans = [plan_question(q, self.registry) for q in self.store.questions(ids=question_ids)]
        fetching: dict[str, QuestionPlan] = {}
        for plan in plans:
            start = plan.waits_until(self.as_of)
            if plan.problem is not None:
                self._settle(plan, self._failed, plan.problem, hopeless=True)
            elif start is not None:
                self._settle(plan, self._pending, "checks start at the window start", start)
            else:
                fetching[plan.question.id] = plan
        jobs = {qid: plan.sources for qid, plan in fetching.items()}
        # Whatever is judged is written when the queue is full, or when its oldest question has
        # waited write_after (also while the fetcher waits), so a resolution appears about that
        # long after its own fetches end, and one transaction carries many questions.
        for qid, fetched in resolve_many(
            jobs,
            self.fetcher,
            as_of=self.as_of,
            clock=self.clock,
            cache=self.cache,
            idle=self._idle,
        ):
            self._settle(fetching[qid], self._judge, fetched)
        self.flush()

    def _settle(
        self,
        plan: QuestionPlan,
        step: Callable[..., tuple[QuestionResult, SweepWrite | None]],
        *args: Any,
        **kw: Any,
    ) -> None:
        """Run one question's step; whatever it raises is recorded on that question alone."""
        try:
            result, write = step(plan, *args, **kw)
        except Exception as exc:  # a rule or a source's observation we did not foresee
            message = _one_line(f"error: unexpected {type(exc).__name__}: {exc}")
            result, write = self._failed(plan, message)
        if write is None or self.dry_run:
            self._done(result)
            return
        if not self.queue:
            self.queued_at = self.timer()
        self.queue.append((plan, result, write))
        full = len(self.queue) >= self.policy.write_batch
        if full or self.timer() - self.queued_at >= self.policy.write_after.total_seconds():
            self.flush()

    def _idle(self) -> float | None:
        """Flush a queue that is old enough; else say how long the fetcher may wait."""
        if not self.queue:
            return None
        left = self.policy.write_after.total_seconds() - (self.timer() - self.queued_at)
        if left > 0:
            return left
        self.flush()
        return None

    def _done(self, result: QuestionResult) -> None:
        self.summary.results.append(result)
        if self.progress is not None:
            self.progress(len(self.summary.results), self.claimed)

    def flush(self) -> None:
        """Write every judged question in one transaction (one failure loses no other)."""
        if not self.queue:
            return
        queued, self.queue = self.queue, []
        outcomes = write_batch(
            self.store, [w for _, _, w in queued], worker=self.worker, as_of=self.as_of
        )
        retry: list[_Write] = []
        for (plan, result, write), outcome in zip(queued, outcomes, strict=True):
            if outcome is True:
                self._done(result)
            elif outcome is False:
                lost = "claim lost or already resolved"
                if isinstance(write, AttemptWrite):
                    lost = "claim lost"
                self._done(QuestionResult(result.question_id, SweepResult.SKIPPED, None, lost))
            else:
                failed, again = self._failed(plan, _one_line(f"error: write failed: {outcome}"))
                retry.append((plan, failed, again))
        if not retry:
            return
        # The failure itself is recorded once more; if that fails too, it is reported only
        # and the claim is released when the sweep ends.
        rewritten = write_batch(
            self.store, [w for _, _, w in retry], worker=self.worker, as_of=self.as_of
        )
        for (_, result, _), outcome in zip(retry, rewritten, strict=True):
            if outcome is not True:
                result = QuestionResult(result.question_id, SweepResult.FAILED, None, result.detail)
            self._done(result)

    def _judge(
        self, plan: QuestionPlan, fetched: BatchResult
    ) -> tuple[QuestionResult, SweepWrite | None]:
        error = fetched.error
        if isinstance(error, NotYetError):
            return self._failed(plan, f"not yet: {error}", SweepResult.PENDING)
        if isinstance(error, RetryableSourceError):
            return self._failed(plan, f"retryable: {error}", retry_after=error.retry_after)
        if error is not None:
            return self._failed(plan, f"error: {error}")
        try:
            verdict = plan.judge(fetched.observations)
        except RuleError as exc:
            return self._failed(plan, f"error: {exc}")
        deadline = plan.question.deadline
        if deadline is not None and verdict.outcome == "no" and self.as_of < deadline:
            # NO only after the deadline: until then, "not seen yet" is a successful check.
            next_at = next_deadline_check(
                self.as_of, deadline, every=plan.question.check_every, policy=self.policy
            )
            return self._pending(plan, f"condition not seen yet: {verdict.detail}", next_at)
        return self._resolve(plan, verdict, fetched.evidence)

    def _failed(
        self,
        plan: QuestionPlan,
        message: str,
        result: SweepResult = SweepResult.FAILED,
        *,
        retry_after: float | None = None,
        hopeless: bool = False,
    ) -> tuple[QuestionResult, SweepWrite]:
        question = plan.question
        step = next_step(
            self.attempts.get(question.id, 0) + 1,
            self.as_of,
            resolves_at=question.resolves_at,
            retry_after=retry_after,
            hopeless=hopeless,
            policy=self.policy,
        )
        review = isinstance(step, Review)
        next_at = None if isinstance(step, Review) else step.next_at
        if isinstance(step, Review):
            message = f"{message} ({step.reason}; needs manual review)"
        message = message[:_MAX_TEXT]
        write = AttemptWrite(question.id, result, message, next_at, True, review)
        shown = SweepResult.NEEDS_REVIEW if review else result
        return QuestionResult(question.id, shown, None, message, next_at), write

    def _pending(
        self, plan: QuestionPlan, detail: str, next_at: datetime
    ) -> tuple[QuestionResult, SweepWrite | None]:
        question_id = plan.question.id
        detail = detail[:_MAX_TEXT]
        write = AttemptWrite(question_id, SweepResult.PENDING, detail, next_at, False, False)
        return QuestionResult(question_id, SweepResult.PENDING, None, detail, next_at), write

    def _resolve(
        self, plan: QuestionPlan, verdict: Verdict, evidence: Sequence[Evidence]
    ) -> tuple[QuestionResult, SweepWrite | None]:
        question = plan.question
        hashes = tuple(e.sha256 for e in evidence)
        names = sorted({spec.source for _, spec in plan.sources})
        note = verdict.detail[:_MAX_TEXT]
        resolution = Resolution(
            question_id=question.id,
            outcome=verdict.outcome,
            value=verdict.value,
            resolved_at=self.as_of,
            method=ResolutionMethod.SOURCE,
            by="source:" + "+".join(names),
            note=note,
            evidence_url=evidence[0].url if evidence else None,
            evidence_sha256=list(hashes),
            recorded_evidence=any(e.recorded for e in evidence),
        )
        resolved = QuestionResult(
            question.id, SweepResult.RESOLVED, verdict.outcome, note, None, hashes
        )
        rows = [_stored(question.id, e) for e in evidence]
        return resolved, ResolutionWrite(resolution, rows, note, question.closes_at)


def _stored(question_id: str, e: Evidence) -> StoredEvidence:
    return StoredEvidence(
        question_id=question_id,
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
    shard: tuple[int, int] | None = None,
) -> SweepSummary:
    """Resolve what is due at ``as_of``; ``clock`` gives wall time for leases and evidence.

    ``progress(done, claimed)`` is called after each question. With ``shard = (k, n)``, one
    of ``n`` workers started together claims its own shard first (see ``claim_due``), then
    whatever is still due, so a worker that dies leaves nothing behind.
    """
    policy = policy or RetryPolicy()
    worker = worker or default_worker_name()
    summary = SweepSummary(as_of=as_of, worker=worker, dry_run=dry_run)
    sweep = _Sweep(
        store, registry, fetcher, as_of, clock, worker, policy, dry_run, progress, summary
    )
    ensure_checks(store)
    seen: set[str] = set()
    try:
        with batch_collector():  # many questions: see forecasts.collector
            while True:
                claimed = claim_due(
                    store,
                    worker=worker,
                    as_of=as_of,
                    now=clock(),
                    lease=policy.lease,
                    limit=policy.batch_size,
                    question_id=question_id,
                    shard=shard,
                )
                fresh = {qid: n for qid, n in claimed.items() if qid not in seen}
                if not fresh and shard is not None:
                    shard = None  # own shard done: help with the others'
                    continue
                if not fresh:
                    break
                seen.update(fresh)
                sweep.batch(fresh)
    finally:
        # Claims still held (dry runs, questions whose write failed, an interrupted sweep) are
        # given back, so the next sweep need not wait for the lease.
        held = sorted(seen)
        for start in range(0, len(held), _RELEASE_CHUNK):
            release(store, held[start : start + _RELEASE_CHUNK], worker=worker)
    summary.requests = len(sweep.cache)
    return summary
