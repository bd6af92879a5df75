"""Row filtering and aggregation shared by the ``csv`` and ``epoch`` sources."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .._base import Observation
from .._errors import NotYetError, PermanentSourceError
from ._common import country_code, org_country, parse_date
from ._skips import OTHER, Skips

__all__ = ["OTHER", "FilterCondition", "TableQuery", "evaluate"]

Operator = Literal["==", "!=", ">", ">=", "<", "<=", "contains"]
Aggregate = Literal["sum", "max", "min", "mean", "first", "last", "count"]
Scalar = str | int | float | date


class FilterCondition(BaseModel):
    """``{op: ">=", value: ...}``; ``contains`` matches one item of a comma-separated cell."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Operator = "=="
    value: Scalar


class TableQuery(BaseModel):
    """Fields shared by table sources (mixed into their spec models)."""

    filters: dict[str, Scalar | FilterCondition] = {}
    column: str | None = None
    aggregate: Aggregate = "last"
    date_column: str | None = None
    on_or_before: date | None = None
    group_by: str | None = None
    group_map: Literal["country_code", "org_country"] | None = None
    split_groups: bool = False
    merge_groups: dict[str, str] = Field(default_factory=dict)
    unknown_groups: Literal["error", "ignore", "other"] = "error"
    max_skipped_share: float = Field(0.05, ge=0, le=1)

    @model_validator(mode="after")
    def _check_query(self) -> TableQuery:
        if self.aggregate != "count" and not self.column:
            raise ValueError(f"'column' is required for aggregate {self.aggregate!r}")
        if self.on_or_before is not None and not self.date_column:
            raise ValueError("'on_or_before' needs 'date_column' to know which dates to cut")
        if (self.group_map or self.split_groups or self.merge_groups) and not self.group_by:
            raise ValueError("'group_map', 'split_groups' and 'merge_groups' need 'group_by'")
        for name, condition in self.filters.items():
            if (
                isinstance(condition, FilterCondition)
                and condition.op == "contains"
                and not isinstance(condition.value, str)
            ):
                raise ValueError(f"filter {name!r}: 'contains' needs a string value")
        return self


def _number(cell: str) -> float | None:
    try:
        value = float(cell.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


_ORDER: dict[str, Callable[[object, object], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
    "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
}


def _matches(cell: str, condition: Scalar | FilterCondition) -> bool:
    if not isinstance(condition, FilterCondition):
        condition = FilterCondition(value=condition)
    op, wanted = condition.op, condition.value
    text = cell.strip()
    if op == "contains":
        items = [item.strip().casefold() for item in text.split(",")]
        return str(wanted).strip().casefold() in items
    left: object
    right: object
    if isinstance(wanted, bool):
        left, right = text.lower(), str(wanted).lower()
    elif isinstance(wanted, int | float):
        left, right = _number(text), float(wanted)
    elif isinstance(wanted, date):
        left, right = parse_date(text), wanted
    elif op in ("==", "!="):
        left, right = text, wanted.strip()
    elif (d := parse_date(wanted)) is not None and parse_date(text) is not None:
        left, right = parse_date(text), d
    elif (n := _number(wanted)) is not None:
        left, right = _number(text), n
    else:
        left, right = text, wanted
    if left is None:
        return op == "!="
    return _ORDER[op](left, right)


def _aggregate(how: str, values: list[float]) -> float:
    if how == "count":
        return float(len(values))
    if how == "sum":
        return math.fsum(values)
    if how == "max":
        return max(values)
    if how == "min":
        return min(values)
    if how == "mean":
        return math.fsum(values) / len(values)
    if how == "first":
        return values[0]
    return values[-1]


Row = tuple[int, dict[str, str]]


def _cell_value(query: TableQuery, line: int, row: dict[str, str], url: str) -> float | None:
    """The row's number in ``column``; None when blank; a non-number is a schema problem."""
    if query.aggregate == "count":
        return 1.0
    assert query.column is not None
    cell = row.get(query.column, "").strip()
    if not cell:
        return None
    number = _number(cell)
    if number is None:
        raise PermanentSourceError(
            f"column {query.column!r} is not numeric on CSV row {line}: {cell!r}", url=url
        )
    return number


def _groups(query: TableQuery, cell: str) -> tuple[list[str], list[str]]:
    """(mapped groups, names without a mapping) for a group cell; merges applied."""
    names = [n.strip() for n in cell.split(",")] if query.split_groups else [cell.strip()]
    known: list[str] = []
    unknown: list[str] = []
    for name in filter(None, names):
        code: str | None = name
        if query.group_map == "country_code":
            code = country_code(name)
        elif query.group_map == "org_country":
            code = org_country(name)
        if code is None:
            unknown.append(name)
        else:
            known.append(query.merge_groups.get(code, code))
    return sorted(set(known)), unknown


def _describe_filters(query: TableQuery) -> str:
    parts = []
    for name, condition in sorted(query.filters.items()):
        if isinstance(condition, FilterCondition):
            parts.append(f"{name} {condition.op} {condition.value!r}")
        else:
            parts.append(f"{name} == {condition!r}")
    if query.on_or_before is not None:
        parts.append(f"{query.date_column} <= {query.on_or_before.isoformat()}")
    return " and ".join(parts) or "all rows"


def _select(
    query: TableQuery, rows: list[dict[str, str]], skips: Skips, url: str
) -> tuple[list[Row], list[date]]:
    """Rows matching the filters and the date cut; undated rows are skipped and counted."""
    cut = query.on_or_before
    selected: list[Row] = []
    dates: list[date] = []
    for line, row in enumerate(rows, start=2):
        if not all(_matches(row.get(k, ""), c) for k, c in query.filters.items()):
            continue
        if query.date_column:
            when = parse_date(row.get(query.date_column, ""))
            if cut is not None and when is None:
                # It may well have happened before the cut: it counts against the answer.
                skips.add(
                    f"blank or unreadable {query.date_column!r}",
                    None,
                    _cell_value(query, line, row, url),
                )
                continue
            if cut is not None and when is not None and when > cut:
                continue
            if when is not None:
                dates.append(when)
        selected.append((line, row))
    return selected, dates


def evaluate(
    query: TableQuery,
    header: list[str],
    rows: list[dict[str, str]],
    *,
    url: str,
    as_of: datetime,
) -> Observation:
    """Filter, cut by date and aggregate ``rows``: a number, or a ranking with ``group_by``.

    Blank values, blank or unmapped groups (with ``unknown_groups: ignore``) and undated rows
    never abort: they are skipped, counted and described in ``detail``. When the share of the
    measured quantity they could represent exceeds ``max_skipped_share``, the answer could
    change, so a ``PermanentSourceError`` sends the question to review with that reason.
    """
    needed = [*query.filters, query.column, query.date_column, query.group_by]
    missing = [name for name in needed if name and name not in header]
    if missing:
        raise PermanentSourceError(
            f"column {missing[0]!r} is not in the CSV header (columns: {', '.join(header)})",
            url=url,
        )
    cut = query.on_or_before
    if cut is not None and as_of.date() <= cut:
        raise NotYetError(
            f"rows dated on or before {cut.isoformat()} are not final before that day ends",
            url=url,
            expected_by=cut,
        )
    skips = Skips(query.aggregate)
    selected, dates = _select(query, rows, skips, url)
    where = _describe_filters(query)
    if not selected:
        if cut is not None:
            raise NotYetError(f"no rows match {where} yet", url=url)
        raise PermanentSourceError(f"no rows match {where}", url=url)
    if query.date_column and query.aggregate in ("first", "last"):
        column = query.date_column
        selected.sort(key=lambda item: parse_date(item[1].get(column, "")) or date.min)
    data_date = max(dates) if dates else None
    label = f"{query.aggregate}({query.column or 'rows'})"
    grouped: dict[str, list[float]] = {}
    unknown: set[str] = set()
    for line, row in selected:
        value = _cell_value(query, line, row, url)
        if query.group_by is None:
            groups = [""]
        else:
            groups, names = _groups(query, row.get(query.group_by, ""))
            unknown.update(names)
            if names and query.unknown_groups == "other":
                groups = sorted({*groups, OTHER})
            elif not groups:
                reason = "unmapped" if names else "blank"
                skips.add(f"{reason} {query.group_by!r}", None, value)
                continue
        for group in groups:
            if value is None:
                skips.add(f"blank {query.column!r}", group, None)
            else:
                grouped.setdefault(group, []).append(value)
    if unknown and query.unknown_groups == "error":
        raise PermanentSourceError(
            f"no {query.group_map} mapping for {', '.join(sorted(unknown))}; add them to "
            f"sources/data or set unknown_groups: ignore or other",
            url=url,
        )
    values = {group: _aggregate(query.aggregate, items) for group, items in grouped.items()}
    counted = {group: len(items) for group, items in grouped.items()}
    skipped = skips.describe(grouped, unknown)
    share = skips.share(grouped)
    if not values:
        raise PermanentSourceError(
            f"no usable rows: {len(selected)} rows match {where} but {skipped}", url=url
        )
    if share > query.max_skipped_share:
        raise PermanentSourceError(
            f"skipped rows could change the answer: {skipped}; they could represent "
            f"{share:.1%} of {label}, above max_skipped_share {query.max_skipped_share:.1%}",
            url=url,
        )
    note = f"; {skipped}; skipped share {share:.1%}" if skipped else ""
    if query.group_by is None:
        value = values[""]
        return Observation(
            kind="number",
            value=value,
            data_date=data_date,
            detail=f"{label} = {value:g} over {counted['']} of {len(selected)} rows "
            f"where {where}{note}",
            evidence_urls=[url],
        )
    top = sorted(values.items(), key=lambda kv: -kv[1])[:5]
    return Observation(
        kind="ranking",
        ranking=values,
        data_date=data_date,
        detail=(
            f"{label} by {query.group_by} over {len(selected)} rows where {where}; top: "
            + ", ".join(f"{g}={v:g}" for g, v in top)
            + note
        ),
        evidence_urls=[url],
    )
