"""A question planned once: its spec parsed, the sources to read, and the rule to judge by.

Planning never raises: a spec that cannot be used (missing, invalid, naming a source that is
no longer installed) becomes a plan with a ``problem``, which the sweep records as an attempt
that retrying cannot help.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from forecasts.domain import Question, check_outcome
from forecasts.errors import ForecastsError
from sources import Observation, Source, SourceError, SourceRegistry, SourceSpec

from .rules import RuleError, Verdict, evaluate
from .spec import ResolutionPlan, parse_resolution

__all__ = ["QuestionPlan", "plan_question"]


@dataclass(frozen=True)
class QuestionPlan:
    """What the sweep will do for one question."""

    question: Question
    plan: ResolutionPlan | None = None
    sources: tuple[tuple[Source[Any], SourceSpec], ...] = ()
    """One ``(source, spec)`` per leaf of the spec, in the order :meth:`judge` expects."""
    problem: str | None = None
    """Why the spec cannot be used; set exactly when ``plan`` is None."""

    def waits_until(self, as_of: datetime) -> datetime | None:
        """The window start when checks may not begin yet at ``as_of``, else None."""
        start = self.plan.window_start if self.plan is not None else None
        return start if start is not None and as_of < start else None

    def judge(self, observations: Sequence[Observation]) -> Verdict:
        """The verdict on one observation per leaf; ``RuleError`` when there is none."""
        if self.plan is None:
            raise RuleError(self.problem or "no plan")
        leaves = self.plan.leaves()
        if len(observations) != len(leaves):
            raise RuleError(f"{len(observations)} observations for {len(leaves)} sources")
        by_leaf = {id(leaf): obs for leaf, obs in zip(leaves, observations, strict=True)}
        verdict = evaluate(self.plan.root, by_leaf, self.question.kind)
        try:
            check_outcome(self.question, verdict.outcome, verdict.value)
        except ValueError as exc:
            raise RuleError(f"the rule gave an outcome that does not fit: {exc}") from None
        return verdict


def plan_question(question: Question, registry: SourceRegistry) -> QuestionPlan:
    """Parse ``question``'s spec once; a problem is kept in the plan, never raised."""
    try:
        if not question.resolution:
            raise ForecastsError("no resolution spec; resolve it manually")
        plan = parse_resolution(question.resolution, registry)
        sources = tuple((registry.get(leaf.spec.source), leaf.spec) for leaf in plan.leaves())
    except ForecastsError as exc:
        return QuestionPlan(question, problem=f"bad resolution spec: {exc.message}")
    except SourceError as exc:
        return QuestionPlan(question, problem=f"bad resolution spec: {exc}")
    except Exception as exc:  # a source's spec model that crashes on a hostile value
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        return QuestionPlan(question, problem=f"bad resolution spec: {reason}")
    return QuestionPlan(question, plan, sources)
