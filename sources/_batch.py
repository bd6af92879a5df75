"""Batched, de-duplicated, paged fetching: the one way many specs' requests are fetched.

:func:`resolve_many` takes jobs (each a list of ``(source, spec)`` pairs, e.g. the leaves of one
question's resolution spec), fetches every distinct request once across all jobs, follows
:meth:`Source.more_requests` paging for each spec, parses, and yields each job as soon as its
own requests are done, so one slow server holds back only the jobs that asked it. Sources are
pure, so equal ``(source, spec)`` pairs (many questions with one spec and different
thresholds) are walked and parsed once, and their jobs share the observation and result.

Nothing a source or a server does escapes as an exception: every error raised by ``requests``,
``auth``, ``more_requests``, ``parse`` or the fetcher becomes that job's :class:`SourceError`
(an unexpected exception, such as ``RecursionError`` from a deeply nested payload, becomes a
:class:`PermanentSourceError` naming the source, the step and the exception).
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Mapping, MutableMapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from ._base import FetcherLike, FetchRequest, Observation, Source, SourceSpec
from ._errors import PermanentSourceError, SourceError
from ._evidence import Evidence
from ._http import HttpPolicy
from ._readonly import Unkeyable, value_key

__all__ = ["MAX_PAGING_ROUNDS", "BatchResult", "resolve_many"]

K = TypeVar("K", bound=Hashable)

MAX_PAGING_ROUNDS = 50
"""A spec still asking for more pages after this many rounds fails instead of looping."""

_DEFAULT_CONCURRENCY = 8
_MAX_REASON = 300

Result = Evidence | SourceError


@dataclass(frozen=True)
class BatchResult:
    """One job's outcome: an observation per spec (in job order) and the evidence read, or the
    first error in job order (then ``observations`` is empty).

    ``requests`` holds the keys of every request the job made, failed ones included.
    """

    observations: tuple[Observation, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    error: SourceError | None = None
    requests: tuple[str, ...] = ()


def _unexpected(step: str, where: str, error: Exception) -> PermanentSourceError:
    """A one-line source error for an exception a source or fetcher should not have raised."""
    detail = " ".join(str(error).split())
    reason = f"{where} {step} failed: {type(error).__name__}" + (f": {detail}" if detail else "")
    if len(reason) > _MAX_REASON:
        reason = reason[: _MAX_REASON - 3] + "..."
    return PermanentSourceError(reason)


@dataclass(eq=False, slots=True)
class _Spec:
    """One distinct ``(source, spec)`` of the call, the jobs waiting for it, and where its
    fetching stands."""

    source: Source[Any]
    spec: SourceSpec
    jobs: list[_Job] = field(default_factory=list)
    requests: dict[str, FetchRequest] = field(default_factory=dict)
    waiting: set[str] = field(default_factory=set)
    rounds: int = 0
    observation: Observation | None = None
    error: SourceError | None = None
    done: bool = False
    result: BatchResult | None = None
    """What a job made of this spec alone gets (immutable, so such jobs share it)."""


@dataclass(eq=False, slots=True)
class _Job:
    key: Any
    specs: list[_Spec]
    open: int


def _spec_key(source: Source[Any], spec: SourceSpec) -> Hashable | None:
    """Equal for two specs a source must read the same way; None when that cannot be told."""
    if spec.__pydantic_extra__ or spec.__pydantic_private__:
        return None
    try:
        return (id(source), type(spec), value_key(spec.__dict__))
    except Unkeyable:
        return None


class _Run:
    """The state of one :func:`resolve_many` call (driven from the caller's thread only)."""

    def __init__(
        self,
        fetcher: FetcherLike,
        *,
        as_of: datetime,
        fetched_at: datetime | None,
        clock: Callable[[], datetime] | None,
        cache: MutableMapping[str, Result],
        workers: int,
    ) -> None:
        self.fetcher = fetcher
        self.as_of = as_of
        self.fetched_at = fetched_at
        self.clock = clock
        self.results = cache
        self.workers = workers
        self.inflight: dict[str, Future[Result]] = {}
        self.waiters: dict[str, list[_Spec]] = {}
        self.ready: deque[_Job] = deque()
        self.pool: ThreadPoolExecutor | None = None
        # Worker threads put each finished key here; the caller's thread takes them in turn.
        self.finished: queue.SimpleQueue[str] = queue.SimpleQueue()
        # Every distinct (source, spec) of the call, by identity and by value: sources are
        # pure, so jobs with equal specs share one request, one parse and one result.
        self.by_id: dict[tuple[int, int], _Spec] = {}
        self.by_value: dict[Hashable, _Spec] = {}
        self.held: list[SourceSpec] = []

    def add(self, key: Any, specs: Sequence[tuple[Source[Any], SourceSpec]]) -> None:
        """Take one job; it is ready once every one of its specs is done."""
        job = _Job(key, [], len(specs))
        if not specs:
            self.ready.append(job)
        for source, spec in specs:
            item, new = self._item(source, spec)
            job.specs.append(item)
            if not item.done:
                item.jobs.append(job)  # counted down when it settles (maybe right now)
                if new:
                    self.start(item)
                continue
            job.open -= 1
            if job.open == 0:
                self.ready.append(job)

    def _item(self, source: Source[Any], spec: SourceSpec) -> tuple[_Spec, bool]:
        ident = (id(source), id(spec))  # the item holds both, so the ids stay theirs
        found = self.by_id.get(ident)
        if found is not None:
            return found, False
        value = _spec_key(source, spec)
        found = self.by_value.get(value) if value is not None else None
        if found is None:
            found = _Spec(source, spec)
            if value is not None:
                self.by_value[value] = found
            new = True
        else:
            new = False
        self.by_id[ident] = found
        if found.spec is not spec:
            self.held.append(spec)  # while its id is a key, no other spec may take that id
        return found, new

    # -- calls into source code, each guarded -------------------------------------------------

    def _raised(self, item: _Spec, step: str, error: Exception) -> None:
        if not isinstance(error, SourceError):  # a hostile payload or a source bug: this spec
            error = _unexpected(step, item.source.name, error)
        self._fail(item, error)

    def _fetch(self, request: FetchRequest) -> Result:
        """Runs on a worker thread: one request, its error returned rather than raised."""
        try:
            at = self.clock() if self.clock is not None else self.fetched_at
            return self.fetcher.fetch(request, fetched_at=at)
        except SourceError as error:
            return error
        except Exception as error:  # the fetcher met something it does not handle
            return _unexpected("fetch", request.url, error)

    # -- the state machine --------------------------------------------------------------------

    def start(self, item: _Spec) -> None:
        try:
            found = list(item.source.requests(item.spec, as_of=self.as_of))
        except Exception as error:
            self._raised(item, "requests", error)
            return
        self._want(item, found)

    def _want(self, item: _Spec, found: list[FetchRequest]) -> None:
        source = item.source
        if type(source).auth is not Source.auth:
            try:
                found = [source.auth(r) for r in found]
            except Exception as error:
                self._raised(item, "auth", error)
                return
        # Keys are computed here, guarded: a URL the HTTP client cannot parse fails its key.
        try:
            keys = [r.key for r in found]
        except Exception as error:
            self._raised(item, "requests", error)
            return
        for key, request in zip(keys, found, strict=True):
            if key in item.requests:
                continue
            item.requests[key] = request
            if key in self.results:
                continue
            item.waiting.add(key)
            self.waiters.setdefault(key, []).append(item)
            if key not in self.inflight:
                self.inflight[key] = self._submit(key, request)
        if not item.waiting:
            self._advance(item)

    def _submit(self, key: str, request: FetchRequest) -> Future[Result]:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="sources-batch")
        future = self.pool.submit(self._fetch, request)
        future.add_done_callback(lambda _: self.finished.put(key))
        return future

    def _advance(self, item: _Spec) -> None:
        """Every request so far has an answer: page on, or parse."""
        if item.done:
            return
        results = self.results
        responses: dict[str, Evidence] = {}
        for key in item.requests:
            got = results[key]
            if isinstance(got, SourceError):
                self._fail(item, got)
                return
            responses[key] = got
        source = item.source
        if type(source).more_requests is not Source.more_requests:
            try:
                found = source.more_requests(item.spec, responses, as_of=self.as_of)
                extra = [r for r in found if r.key not in responses]
            except Exception as error:
                self._raised(item, "more_requests", error)
                return
            if extra:
                if item.rounds >= MAX_PAGING_ROUNDS:
                    self._fail(
                        item,
                        PermanentSourceError(
                            f"{source.name} still asks for more pages after "
                            f"{MAX_PAGING_ROUNDS} rounds"
                        ),
                    )
                    return
                item.rounds += 1
                self._want(item, extra)
                return
        try:
            observation = source.parse(item.spec, responses, as_of=self.as_of)
        except Exception as error:
            self._raised(item, "parse", error)
            return
        if isinstance(observation, Observation):
            item.observation = observation
            self._settle(item)
        else:
            self._fail(item, PermanentSourceError(f"{source.name} parse gave no observation"))

    def _fail(self, item: _Spec, error: SourceError) -> None:
        if not item.done:
            item.error = error
            self._settle(item)

    def _settle(self, item: _Spec) -> None:
        item.done = True
        jobs, item.jobs = item.jobs, []
        for job in jobs:
            job.open -= 1
            if job.open == 0:
                self.ready.append(job)

    def receive(self, timeout: float | None = None) -> bool:
        """Wait for the next finished request and move on every spec that waited for it.

        False when ``timeout`` seconds passed with no request finished."""
        try:
            key = self.finished.get(timeout=timeout)
        except queue.Empty:
            return False
        self.results[key] = self.inflight.pop(key).result()
        for item in self.waiters.pop(key, []):
            item.waiting.discard(key)
            if not item.waiting and not item.done:
                self._advance(item)
        return True

    def close(self) -> None:
        if self.pool is not None:
            # A caller that stops early must not wait for a slow fetch it no longer wants.
            self.pool.shutdown(wait=False, cancel_futures=True)


def _evidence(keys: Sequence[str], results: Mapping[str, Result]) -> tuple[Evidence, ...]:
    evidence: dict[tuple[str, str], Evidence] = {}
    for key in keys:
        got = results[key]
        assert isinstance(got, Evidence)  # every spec parsed, so every response arrived
        evidence.setdefault((got.url, got.sha256), got)
    return tuple(evidence.values())


def _result(job: _Job, results: Mapping[str, Result]) -> BatchResult:
    if len(job.specs) == 1:
        item = job.specs[0]
        if item.result is None:
            keys = tuple(item.requests)
            if item.observation is None:
                item.result = BatchResult(error=item.error, requests=keys)
            else:
                evidence = _evidence(keys, results)
                item.result = BatchResult((item.observation,), evidence, None, keys)
        return item.result
    keys = tuple(dict.fromkeys(k for item in job.specs for k in item.requests))
    for item in job.specs:
        if item.error is not None:
            return BatchResult(error=item.error, requests=keys)
    observations = tuple(item.observation for item in job.specs if item.observation is not None)
    return BatchResult(observations, _evidence(keys, results), None, keys)


def _workers(fetcher: FetcherLike, concurrency: int | None) -> int:
    if concurrency is not None:
        return max(1, concurrency)
    policy = getattr(fetcher, "policy", None)
    # A Fetcher's client keeps policy.concurrency connections; more threads would only queue
    # for a connection (and could time out waiting for one).
    return policy.concurrency if isinstance(policy, HttpPolicy) else _DEFAULT_CONCURRENCY


def resolve_many(
    jobs: Mapping[K, Sequence[tuple[Source[Any], SourceSpec]]],
    fetcher: FetcherLike,
    *,
    as_of: datetime,
    fetched_at: datetime | None = None,
    clock: Callable[[], datetime] | None = None,
    concurrency: int | None = None,
    cache: MutableMapping[str, Evidence | SourceError] | None = None,
    idle: Callable[[], float | None] | None = None,
) -> Iterator[tuple[K, BatchResult]]:
    """Fetch and parse every job; yield ``(key, result)`` as each job's requests finish.

    Each distinct request (by :attr:`FetchRequest.key`) is fetched once across all jobs, on up
    to ``concurrency`` threads (default: the fetcher's ``policy.concurrency``). Evidence is
    stamped ``fetched_at``, or ``clock()`` read as each request starts, or else the fetcher's
    own time. ``cache`` carries responses between calls (a sweep's claim batches): answered
    keys are not fetched again, and new answers are added to it. Equal specs (same source,
    same model, equal field values: ``1``, ``1.0`` and ``True`` differ) are read once per call
    and their jobs share one observation and, for one-spec jobs, one result: read them, never
    change them. Jobs with no spec are yielded first. Every job is yielded exactly once.
    ``idle()`` is called whenever every finished job has been yielded and the next one must
    wait for a request still in flight (a caller that batches its own work may flush it then,
    while the fetches go on). It returns how many seconds it may wait before it wants to be
    called again (``None``: until a request ends).
    """
    run = _Run(
        fetcher,
        as_of=as_of,
        fetched_at=fetched_at,
        clock=clock,
        cache=cache if cache is not None else {},
        workers=_workers(fetcher, concurrency),
    )
    try:
        for key, specs in jobs.items():
            run.add(key, specs)
        while True:
            while run.ready:
                job = run.ready.popleft()
                result = _result(job, run.results)
                # Each spec points back at its job: without this, every job, its specs and
                # their observations would wait for the cyclic garbage collector.
                job.specs.clear()
                yield job.key, result
            if not run.inflight:
                return
            timeout = None
            if idle is not None and run.finished.empty():
                timeout = idle()
            while not run.receive(timeout):
                timeout = idle() if idle is not None else None
    finally:
        run.close()
