"""Rules on hand-built observations: outcomes only when the data says so."""

from __future__ import annotations

from typing import Any

import pytest

from forecasts.domain import QuestionKind
from forecasts.errors import FieldError
from forecasts.resolution.rules import RuleError, evaluate
from forecasts.resolution.spec import ResolutionPlan, parse_resolution
from sources import Observation, load_sources

LM = {"source": "lmarena", "date": "2029-01-10", "by": "country"}


def _plan(spec: dict[str, Any]) -> ResolutionPlan:
    return parse_resolution(spec, load_sources("forecasts.sources"))


def _run(
    spec: dict[str, Any], *observations: Observation, kind: QuestionKind = QuestionKind.BINARY
) -> tuple[str, float | None]:
    plan = _plan(spec)
    leaves = plan.leaves()
    assert len(leaves) == len(observations)
    verdict = evaluate(
        plan.root, {id(leaf): o for leaf, o in zip(leaves, observations, strict=True)}, kind
    )
    return verdict.outcome, verdict.value


def ranking(**groups: float) -> Observation:
    return Observation(kind="ranking", ranking=groups, detail="test")


def number(value: float) -> Observation:
    return Observation(kind="number", value=value)


def test_top_group_yes_only_when_every_tied_top_group_matches() -> None:
    spec = {**LM, "rule": "top_group", "group": "CN"}
    assert _run(spec, ranking(CN=1400, US=1390))[0] == "yes"
    assert _run(spec, ranking(CN=1390, US=1400))[0] == "no"
    assert _run(spec, ranking(CN=1400, US=1400))[0] == "no"


def test_stale_publication_annuls() -> None:
    stale = Observation(kind="market", market_outcome="annulled", detail="stale: no publication")
    assert _run({**LM, "rule": "top_group", "group": "CN"}, stale)[0] == "annulled"
    gap = {
        "rule": "difference",
        "a": {**LM, "rule": "group_value", "group": "US"},
        "b": {**LM, "rule": "group_value", "group": "CN"},
    }
    assert _run(gap, stale, ranking(CN=1, US=2), kind=QuestionKind.NUMERIC)[0] == "annulled"


def test_nested_difference_for_a_narrowing_gap() -> None:
    def gap(day: str) -> dict[str, Any]:
        return {
            "rule": "difference",
            "a": {**LM, "date": day, "rule": "group_value", "group": "US"},
            "b": {**LM, "date": day, "rule": "group_value", "group": "CN"},
        }

    spec = {
        "rule": "difference",
        "a": gap("2026-12-31"),
        "b": gap("2026-01-10"),
        "op": "<",
        "threshold": 0,
    }
    late, early = ranking(US=1450, CN=1440), ranking(US=1420, CN=1380)
    assert _run(spec, late, late, early, early)[0] == "yes"  # gap 10 < gap 40
    assert _run(spec, early, early, late, late)[0] == "no"


def test_missing_group_is_an_error_not_an_outcome() -> None:
    spec = {
        "rule": "ratio",
        "a": {**LM, "rule": "group_value", "group": "US"},
        "b": {**LM, "rule": "group_value", "group": "CN"},
    }
    with pytest.raises(RuleError, match="no value for group 'CN'"):
        _run(spec, ranking(US=5), ranking(US=5), kind=QuestionKind.NUMERIC)


def test_ratio_by_zero_is_an_error() -> None:
    spec = {
        "rule": "ratio",
        "a": {"source": "http_json", "url": "https://a", "path": "$.v"},
        "b": {"source": "http_json", "url": "https://b", "path": "$.v"},
    }
    with pytest.raises(RuleError, match="denominator is 0"):
        _run(spec, number(3), number(0), kind=QuestionKind.NUMERIC)
    assert _run(spec, number(3), number(2), kind=QuestionKind.NUMERIC) == ("1.5", 1.5)


def test_market_resolution_and_cancellation() -> None:
    spec = {"source": "manifold", "market_id": "abc"}
    yes = Observation(kind="market", market_outcome="yes")
    cancelled = Observation(kind="market", market_outcome="annulled", detail="CANCEL")
    assert _run(spec, yes)[0] == "yes"
    assert _run(spec, cancelled)[0] == "annulled"


def test_a_number_without_a_rule_cannot_resolve_a_binary_question() -> None:
    spec = {"source": "http_json", "url": "https://a", "path": "$.v"}
    with pytest.raises(RuleError, match="needs a rule"):
        _run(spec, number(3))


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (
            {"source": "http_json", "url": "https://a", "path": "$.v", "op": "=>", "threshold": 1},
            "resolution.op",
        ),
        (
            {"source": "http_json", "url": "https://a", "path": "$.v", "op": ">"},
            "resolution.threshold",
        ),
        (
            {"rule": "ratio", "a": {"source": "http_json", "url": "https://a", "path": "$.v"}},
            "resolution.b",
        ),
        ({"source": "http_json", "path": "$.v"}, "resolution.source"),
        ({**LM, "rule": "top_group"}, "resolution.group"),
    ],
)
def test_bad_specs_name_the_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(FieldError) as info:
        _plan(spec)
    assert info.value.field == field
