"""Resolution specs: a source (or several) and a rule, parsed into a small tree.

The simplest spec names a source and compares its value with a threshold::

    {source: http_json, url: "https://...", path: "$.data.value", op: ">=", threshold: 10}

Keys that belong to the rule (``rule``, ``op``, ``threshold``, ``group``, ``map``, ``of``,
``a``, ``b``, ``window_start``) are split off; the rest is the source's own spec, validated by
the source's model. Combinations: ``{rule: all|any, of: [spec, ...]}``; derived values:
``{rule: ratio|difference, a: spec, b: spec, op: ..., threshold: ...}``, where ``a`` and ``b``
give numbers (a source's value, ``rule: group_value`` of a ranking, or another ratio or
difference).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from forecasts.errors import FieldError
from forecasts.timeutils import parse_datetime
from sources import SourceRegistry, SourceSpec, SpecError, UnknownSourceError

__all__ = ["Combine", "Derived", "Leaf", "Node", "ResolutionPlan", "parse_resolution"]

Op = Literal[">", ">=", "<", "<=", "==", "!="]
_OPS = (">", ">=", "<", "<=", "==", "!=")
RULE_KEYS = frozenset({"rule", "op", "threshold", "group", "map", "of", "a", "b", "window_start"})
_LEAF_RULES = ("compare", "value", "market", "top_group", "group_value", "map", "text")


@dataclass(frozen=True)
class Leaf:
    """One source read, and how to turn its observation into an outcome or a value."""

    spec: SourceSpec
    rule: str
    op: str | None = None
    threshold: float | str | None = None
    group: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Derived:
    """A value derived from two numbers: ``a / b`` or ``a - b``, then compared or kept."""

    rule: Literal["ratio", "difference"]
    a: Leaf | Derived
    b: Leaf | Derived
    op: str | None = None
    threshold: float | None = None


@dataclass(frozen=True)
class Combine:
    """YES when all (or any) of the children resolve YES."""

    rule: Literal["all", "any"]
    of: tuple[Node, ...]


Node = Leaf | Derived | Combine


@dataclass(frozen=True)
class ResolutionPlan:
    """A parsed spec: the tree and when checks may start."""

    root: Node
    window_start: datetime | None = None

    def leaves(self) -> list[Leaf]:
        """The leaves, left to right."""
        if isinstance(self.root, Leaf):
            return [self.root]
        found: list[Leaf] = []
        _walk(self.root, found)
        return found


def _walk(node: Node, found: list[Leaf]) -> None:
    # A module function, not a closure: a nested function that calls itself is a reference
    # cycle, left for the cyclic collector twice per question in a sweep.
    if isinstance(node, Leaf):
        found.append(node)
    elif isinstance(node, Derived):
        _walk(node.a, found)
        _walk(node.b, found)
    else:
        for child in node.of:
            _walk(child, found)


def _op(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if value not in _OPS:
        raise FieldError(f"{where}op", f"'{value}' is not one of {', '.join(_OPS)}")
    return str(value)


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(f"{where}threshold", f"{value!r} is not a number")
    if not math.isfinite(value):
        raise FieldError(f"{where}threshold", f"{value!r} is not a finite number")
    return float(value)


def _leaf(data: dict[str, Any], registry: SourceRegistry, where: str) -> Leaf:
    source_keys = {k: v for k, v in data.items() if k not in RULE_KEYS}
    if "source" not in source_keys:
        raise FieldError(f"{where}source", "required (name a source, e.g. http_json)")
    try:
        spec = registry.parse_spec(source_keys)
    except (SpecError, UnknownSourceError) as exc:
        raise FieldError(f"{where}source", str(exc)) from None
    op = _op(data.get("op"), where)
    threshold = data.get("threshold")
    rule = data.get("rule") or ("compare" if op is not None else "auto")
    if rule not in (*_LEAF_RULES, "auto"):
        raise FieldError(
            f"{where}rule",
            f"'{rule}' is not one of "
            f"{', '.join((*_LEAF_RULES, 'all', 'any', 'ratio', 'difference'))}",
        )
    if rule == "compare":
        if op is None or threshold is None:
            raise FieldError(f"{where}threshold", "compare needs op and threshold")
        if op not in ("==", "!=") or not isinstance(threshold, str):
            threshold = _number(threshold, where)
    mapping = data.get("map") or {}
    if not isinstance(mapping, dict):
        raise FieldError(f"{where}map", "must map observed values to outcomes")
    if rule == "group_value" and not data.get("group"):
        raise FieldError(f"{where}group", "group_value needs the group whose value to take")
    if rule == "top_group" and not data.get("group") and not mapping:
        raise FieldError(f"{where}group", "top_group needs the group that means YES (or a map)")
    return Leaf(
        spec=spec,
        rule=rule,
        op=op,
        threshold=threshold,
        group=data.get("group"),
        mapping={str(k): str(v) for k, v in mapping.items()},
    )


def _node(data: Any, registry: SourceRegistry, where: str) -> Node:
    if not isinstance(data, dict):
        raise FieldError(where.rstrip(".") or "resolution", "must be a mapping")
    rule = data.get("rule")
    if rule in ("all", "any"):
        children = data.get("of")
        if not isinstance(children, list) or not children:
            raise FieldError(f"{where}of", f"'{rule}' needs a non-empty list of specs")
        return Combine(
            rule, tuple(_node(c, registry, f"{where}of[{i}].") for i, c in enumerate(children))
        )
    if rule in ("ratio", "difference"):
        parts = []
        for name in ("a", "b"):
            part = _node(data.get(name), registry, f"{where}{name}.")
            if isinstance(part, Combine):
                raise FieldError(
                    f"{where}{name}",
                    "must give a number (a source or a ratio or difference), not all/any",
                )
            parts.append(part)
        op = _op(data.get("op"), where)
        threshold = _number(data.get("threshold"), where)
        if (op is None) != (threshold is None):
            raise FieldError(f"{where}threshold", "give op and threshold together")
        return Derived(rule, parts[0], parts[1], op, threshold)
    return _leaf(data, registry, where)


def parse_resolution(data: dict[str, Any], registry: SourceRegistry) -> ResolutionPlan:
    """Parse and validate a question's resolution spec (FieldError names the bad key)."""
    window = data.get("window_start")
    start = None
    if window is not None:
        try:
            start = parse_datetime(window if not isinstance(window, datetime) else window)
        except (ValueError, TypeError) as exc:
            raise FieldError("resolution.window_start", str(exc)) from None
    return ResolutionPlan(_node(data, registry, "resolution."), start)
