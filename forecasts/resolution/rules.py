"""Rules: observations in, a verdict out. Pure; never turns missing data into an outcome."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from forecasts.domain import QuestionKind
from sources import Observation

from .spec import Derived, Leaf, Node

__all__ = ["RuleError", "Verdict", "evaluate"]

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class RuleError(ValueError):
    """The observations cannot be turned into an outcome under this rule (permanent)."""


class _Annulled(Exception):
    """A source reported that the data the question needs does not exist (annul it)."""


@dataclass(frozen=True)
class Verdict:
    """An outcome (``yes``/``no``/``annulled``/an option/a number) with the reasoning."""

    outcome: str
    value: float | None
    detail: str


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _number_of(obs: Observation, where: str) -> float:
    if obs.value is not None and math.isfinite(obs.value):
        return obs.value
    if obs.kind == "market" and obs.market_outcome is not None:
        try:
            return float(obs.market_outcome)
        except ValueError:
            pass
    raise RuleError(f"{where}: expected a number, the source gave a {obs.kind} observation")


def _top_groups(ranking: Mapping[str, float]) -> tuple[list[str], float]:
    if not ranking:
        raise RuleError("the ranking is empty")
    best = max(ranking.values())
    return sorted(g for g, v in ranking.items() if v == best), best


def _group_value(leaf: Leaf, obs: Observation) -> float:
    if obs.ranking is None:
        raise RuleError(f"{leaf.spec.source}: group_value needs a ranking observation")
    if leaf.group not in obs.ranking:
        raise RuleError(
            f"{leaf.spec.source}: no value for group {leaf.group!r} (groups: "
            f"{', '.join(sorted(obs.ranking))})"
        )
    return float(obs.ranking[leaf.group])


def _number(node: Leaf | Derived, observations: Mapping[int, Observation]) -> float:
    if isinstance(node, Derived):
        value = _evaluate(node, observations, QuestionKind.NUMERIC).value
        if value is None:
            raise RuleError(f"{node.rule}: did not give a number")
        return value
    obs = observations[id(node)]
    if obs.kind == "market" and obs.market_outcome == "annulled":
        raise _Annulled(f"{node.spec.source}: {obs.detail}")
    if node.rule == "group_value":
        return _group_value(node, obs)
    return _number_of(obs, node.spec.source)


def _leaf(leaf: Leaf, obs: Observation, kind: QuestionKind) -> Verdict:
    name = leaf.spec.source
    rule = leaf.rule
    if obs.kind == "market" and obs.market_outcome == "annulled" and rule != "market":
        return Verdict("annulled", None, f"{name}: annulled: {obs.detail}")
    if rule == "auto":
        if obs.kind == "market":
            rule = "market"
        elif obs.kind == "number" and kind is QuestionKind.NUMERIC:
            rule = "value"
        elif leaf.mapping:
            rule = "map"
        else:
            raise RuleError(
                f"{name}: a {obs.kind} observation needs a rule (op and threshold, "
                "top_group, map or value)"
            )
    if rule == "compare":
        assert leaf.op is not None
        if isinstance(leaf.threshold, str):
            observed: object = obs.text if obs.text is not None else obs.market_outcome
            if observed is None:
                raise RuleError(f"{name}: nothing textual to compare with '{leaf.threshold}'")
        else:
            observed = _number_of(obs, name)
        flag = _COMPARE[leaf.op](observed, leaf.threshold)
        return Verdict(
            _yes_no(flag),
            None,
            f"{name}: {observed!r} {leaf.op} {leaf.threshold!r} is {flag}; {obs.detail}",
        )
    if rule == "group_value":
        value = _group_value(leaf, obs)
        return Verdict(repr(value), value, f"{name}: {leaf.group} at {value:g}; {obs.detail}")
    if rule == "value":
        value = _number_of(obs, name)
        return Verdict(repr(value), value, f"{name}: value {value!r}; {obs.detail}")
    if rule == "market":
        if obs.market_outcome is None:
            raise RuleError(f"{name}: not a market observation")
        outcome = obs.market_outcome
        number = None
        if kind is QuestionKind.NUMERIC and outcome != "annulled":
            number = _number_of(obs, name)
        return Verdict(outcome, number, f"{name}: market resolved {outcome}; {obs.detail}")
    if rule == "top_group":
        if obs.ranking is None:
            raise RuleError(f"{name}: top_group needs a ranking observation")
        tops, best = _top_groups(obs.ranking)
        if leaf.mapping:
            mapped = {leaf.mapping.get(g) for g in tops}
            chosen = mapped.pop() if len(mapped) == 1 else None
            if chosen is None:
                raise RuleError(f"{name}: top groups {tops} do not map to one outcome")
            outcome = chosen
        else:
            outcome = _yes_no(all(g == leaf.group for g in tops))
        return Verdict(
            outcome, None, f"{name}: top group(s) {', '.join(tops)} at {best:g}; {obs.detail}"
        )
    if rule == "map":
        observed_text = obs.text or obs.market_outcome
        if observed_text is None or observed_text not in leaf.mapping:
            raise RuleError(
                f"{name}: observed {observed_text!r} is not in the map ({', '.join(leaf.mapping)})"
            )
        return Verdict(
            leaf.mapping[observed_text],
            None,
            f"{name}: {observed_text!r} maps to {leaf.mapping[observed_text]}",
        )
    if rule == "text":
        if obs.text is None:
            raise RuleError(f"{name}: no text observed")
        return Verdict(obs.text, None, f"{name}: text {obs.text!r}")
    raise RuleError(f"unknown rule '{rule}'")


def evaluate(node: Node, observations: Mapping[int, Observation], kind: QuestionKind) -> Verdict:
    """The verdict of ``node``; ``observations`` maps ``id(leaf)`` to its observation.

    A source that reports the needed data does not exist (e.g. no leaderboard publication in
    the window) annuls the question; anything else that cannot be evaluated raises RuleError.
    """
    try:
        return _evaluate(node, observations, kind)
    except _Annulled as exc:
        return Verdict("annulled", None, f"annulled: {exc}")


def _evaluate(node: Node, observations: Mapping[int, Observation], kind: QuestionKind) -> Verdict:
    if isinstance(node, Leaf):
        return _leaf(node, observations[id(node)], kind)
    if isinstance(node, Derived):
        a = _number(node.a, observations)
        b = _number(node.b, observations)
        if node.rule == "ratio":
            if b == 0:
                raise RuleError("ratio: the denominator is 0")
            value = a / b
        else:
            value = a - b
        detail = f"{node.rule} of {a:g} and {b:g} = {value:g}"
        if node.op is not None:
            flag = _COMPARE[node.op](value, node.threshold)
            return Verdict(_yes_no(flag), None, f"{detail}; {node.op} {node.threshold:g} is {flag}")
        return Verdict(repr(value), value, detail)
    children = [_evaluate(child, observations, QuestionKind.BINARY) for child in node.of]
    if any(c.outcome == "annulled" for c in children):
        return Verdict(
            "annulled", None, "a part was annulled: " + "; ".join(c.detail for c in children)
        )
    for child in children:
        if child.outcome not in ("yes", "no"):
            raise RuleError(f"{node.rule}: parts must resolve yes or no, got {child.outcome!r}")
    flags = [c.outcome == "yes" for c in children]
    flag = all(flags) if node.rule == "all" else any(flags)
    return Verdict(
        _yes_no(flag),
        None,
        f"{node.rule} of {len(children)} parts: " + "; ".join(c.detail for c in children),
    )
