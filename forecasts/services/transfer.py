"""Import and export of forecasters, questions, forecasts and outcomes (YAML, JSON, CSV).

Import is all or nothing: every record is validated (against the file and the database)
before anything is written, every invalid record is reported with its position, and the
valid file is written in one transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from forecasts.db.checks import write_record
from forecasts.db.store import Record, Store
from forecasts.domain import Correction, Forecaster, Origin, Question, Resolution, check_outcome
from forecasts.errors import ForecastsError, ImportFileError, InputError
from forecasts.inputs import ForecastInput, describe_validation_error

from .forecasting import build_forecast, new_id
from .recording import check_resolution_spec

__all__ = [
    "Entry",
    "ImportSummary",
    "dump_records",
    "export_records",
    "import_file",
    "load_records",
    "write_entries",
]

SECTIONS = ("forecasters", "questions", "forecasts", "resolutions", "corrections")
_SINGULAR = {
    "forecasters": "forecaster",
    "questions": "question",
    "forecasts": "forecast",
    "resolutions": "resolution",
    "corrections": "correction",
}
_PLURAL = {v: k for k, v in _SINGULAR.items()}
_JSON_CELLS = {
    "options",
    "scale",
    "resolution",
    "tags",
    "operationalization",
    "origin",
    "distribution",
    "interval",
    "normal",
    "lognormal",
    "quantiles",
}
_PROBLEM = "__problem__"


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML where a repeated key is an error, not a silent last-one-wins."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise InputError(f"line {key_node.start_mark.line + 1}: key '{key}' appears twice")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise InputError(f"key '{key}' appears twice in one object")
        found[key] = value
    return found


_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv"}


@dataclass
class ImportSummary:
    """How many records of each kind an import wrote."""

    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """One record of an import, with where it came from (``forecasts[2]``, ``row 7``)."""

    section: str
    where: str
    data: dict[str, Any]


def _format_of(path: Path) -> str:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown file type '{path.suffix}' (use .yaml, .json or .csv)")
    return fmt


def _csv_entries(text: str) -> Iterator[Entry]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "record" not in reader.fieldnames:
        raise InputError("CSV file needs a 'record' column (forecaster, question, forecast, ...)")
    for line, row in enumerate(reader, start=2):
        kind = (row.pop("record") or "").strip()
        where = f"row {line}"
        if None in row or any(cell is None for cell in row.values()):
            # csv fills a short row with None and files a long row's extra cells under None.
            cells = len(reader.fieldnames)
            problem = "more" if None in row else "fewer"
            yield Entry(
                _PLURAL.get(kind, kind),
                where,
                {_PROBLEM: f"row has {problem} cells than the {cells} columns of the header"},
            )
            continue
        data: dict[str, Any] = {}
        for key, cell in row.items():
            if key is None or cell is None or cell == "":
                continue
            if key in _JSON_CELLS:
                try:
                    data[key] = json.loads(cell)
                except ValueError:
                    data[key] = {"__invalid_json__": cell}
            else:
                data[key] = cell
        yield Entry(_PLURAL.get(kind, kind), where, data)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_records(path: Path) -> list[Entry]:
    """Read ``path`` into positioned entries (no validation beyond the file's syntax)."""
    fmt = _format_of(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if fmt == "csv":
        return list(_csv_entries(text))
    try:
        document = (
            yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
            if fmt == "yaml"
            else json.loads(text, object_pairs_hook=_unique_pairs)
        )
    except InputError as exc:
        raise InputError(f"{path}: {exc.message}") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise InputError(f"{path}: not valid {fmt.upper()}: {str(exc).splitlines()[0]}") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: expected a mapping with sections {', '.join(SECTIONS)}")
    unknown = [k for k in document if k not in SECTIONS and k not in ("format", "ledger_head")]
    if unknown:
        raise InputError(
            f"{path}: unknown section(s) {', '.join(map(str, unknown))}; "
            f"known: {', '.join(SECTIONS)}"
        )
    entries = []
    for section in SECTIONS:
        items = document.get(section) or []
        if not isinstance(items, list):
            raise InputError(f"{path}: section '{section}' must be a list")
        for index, item in enumerate(items):
            entries.append(Entry(section, f"{section}[{index}]", item))
    return entries


def _validate(
    store: Store,
    entries: list[Entry],
    *,
    as_of: datetime,
    origin: Origin,
    accept_pending: bool = False,
) -> tuple[list[Record], list[tuple[str, str]]]:
    records: list[Record] = []
    problems: list[tuple[str, str]] = []
    handles = {f.handle for f in store.forecasters()}
    folded = {h.casefold() for h in handles}  # handles differing only in case are one person
    questions = {q.id: q for q in store.questions()}
    forecast_ids: set[str] = set()
    outcomes = store.current_outcomes()

    def fail(entry: Entry, message: str) -> None:
        problems.append((entry.where, message))

    for entry in entries:
        if entry.section not in SECTIONS:
            fail(entry, f"unknown record type '{entry.section}'")
            continue
        if not isinstance(entry.data, dict):
            fail(entry, "expected a mapping of fields")
            continue
        if _PROBLEM in entry.data:
            fail(entry, str(entry.data[_PROBLEM]))
            continue
        data = {
            k: v
            for k, v in entry.data.items()
            if not (isinstance(v, dict) and "__invalid_json__" in v)
        }
        bad_json = [
            k for k, v in entry.data.items() if isinstance(v, dict) and "__invalid_json__" in v
        ]
        if bad_json:
            fail(entry, f"{bad_json[0]}: not valid JSON")
            continue
        # Drafts from `forecasts extract` mark items `review: pending` until a person checks them.
        review = data.pop("review", None)
        if review not in (None, "done") and not (review == "pending" and accept_pending):
            fail(
                entry,
                "review: pending (review the item and remove the mark, or pass --accept-pending)"
                if review == "pending"
                else f"review: '{review}' is not pending or done",
            )
            continue
        try:
            record: Record
            if entry.section == "forecasters":
                record = Forecaster.model_validate(data)
                if record.handle.casefold() in folded:
                    raise InputError(f"handle: a forecaster '{record.handle}' already exists")
                handles.add(record.handle)
                folded.add(record.handle.casefold())
            elif entry.section == "questions":
                record = Question.model_validate({"opens_at": as_of, **data})
                check_resolution_spec(record)
                if record.id in questions:
                    raise InputError(f"id: a question '{record.id}' already exists")
                questions[record.id] = record
            elif entry.section == "forecasts":
                # Imported forecasts keep their own times and say where they came from.
                data.setdefault("origin", origin.model_dump(exclude_none=True))
                record = build_forecast(
                    ForecastInput.model_validate(data),
                    question=questions.get(str(data.get("question", ""))),
                    forecaster_known=data.get("by") in handles,
                    as_of=as_of,
                )
                if record.id in forecast_ids or store.has_forecast(record.id):
                    raise InputError(f"id: a forecast '{record.id}' already exists")
                forecast_ids.add(record.id)
            elif entry.section == "resolutions":
                record = Resolution.model_validate(data)
                _check_outcome(questions, record.question_id, record.outcome, record.value)
                if record.question_id in outcomes:
                    raise InputError(
                        f"question_id: question {record.question_id} is already resolved"
                    )
                outcomes[record.question_id] = record.outcome
            else:
                record = Correction.model_validate(data)
                _check_outcome(questions, record.question_id, record.outcome, record.value)
                if outcomes.get(record.question_id) != record.previous_outcome:
                    raise InputError(
                        f"previous_outcome: question {record.question_id} resolves to "
                        f"'{outcomes.get(record.question_id)}', not '{record.previous_outcome}'"
                    )
                outcomes[record.question_id] = record.outcome
            records.append(record)
        except ValidationError as exc:
            fail(entry, "; ".join(describe_validation_error(exc)))
        except ForecastsError as exc:
            fail(entry, exc.message)
    return records, problems


def _check_outcome(
    questions: dict[str, Question], question_id: str, outcome: str, value: float | None
) -> None:
    question = questions.get(question_id)
    if question is None:
        raise InputError(f"question_id: no question with id '{question_id}'")
    check_outcome(question, outcome, value)


def import_file(
    store: Store,
    path: Path,
    *,
    as_of: datetime,
    progress: Callable[[int, int], None] | None = None,
    accept_pending: bool = False,
    dry_run: bool = False,
) -> ImportSummary:
    """Validate every record of ``path``, then write them all in one transaction."""
    entries = load_records(path)
    origin = Origin(platform="forecasts", file=path.name, file_sha256=_sha256(path))
    return write_entries(
        store,
        entries,
        source=str(path),
        as_of=as_of,
        origin=origin,
        progress=progress,
        accept_pending=accept_pending,
        dry_run=dry_run,
    )


def write_entries(
    store: Store,
    entries: list[Entry],
    *,
    source: str,
    as_of: datetime,
    origin: Origin,
    progress: Callable[[int, int], None] | None = None,
    accept_pending: bool = False,
    dry_run: bool = False,
) -> ImportSummary:
    """The one import path (files and other platforms): validate all, then write all or none.

    Raises ImportFileError naming every bad entry of ``source``; with ``dry_run`` the counts
    are what would be written and nothing is.
    """
    records, problems = _validate(
        store, entries, as_of=as_of, origin=origin, accept_pending=accept_pending
    )
    if problems:
        raise ImportFileError(source, problems)
    summary = ImportSummary(dict.fromkeys(SECTIONS, 0))
    if dry_run:
        for record in records:
            summary.counts[_PLURAL[type(record).__name__.lower()]] += 1
        return summary
    with store.transaction() as session:
        for done, record in enumerate(records, start=1):
            write_record(store, session, record, as_of=as_of)
            section = _PLURAL[type(record).__name__.lower()]
            summary.counts[section] += 1
            if progress is not None:
                progress(done, len(records))
    return summary


def export_records(store: Store) -> dict[str, Any]:
    """Everything in the store, as the import format (JSON-ready)."""
    head = store.ledger_head()
    forecasts = [
        ForecastInput.from_forecast(f).model_dump(
            mode="json", exclude_none=True, exclude_defaults=False
        )
        for f in store.forecasts()
    ]
    return {
        "format": "forecasts/v1",
        "ledger_head": {"seq": head.seq, "hash": head.hash},
        "forecasters": [f.model_dump(mode="json", exclude_none=True) for f in store.forecasters()],
        "questions": [q.model_dump(mode="json", exclude_none=True) for q in store.questions()],
        "forecasts": forecasts,
        "resolutions": [r.model_dump(mode="json", exclude_none=True) for r in store.resolutions()],
        "corrections": [c.model_dump(mode="json", exclude_none=True) for c in store.corrections()],
    }


def dump_records(document: dict[str, Any], fmt: str) -> str:
    """Render an export document as ``json``, ``yaml`` or ``csv``."""
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return str(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100))
    if fmt != "csv":
        raise InputError(f"format: '{fmt}' is not json, yaml or csv")
    rows: list[dict[str, Any]] = []
    columns: list[str] = ["record"]
    for section in SECTIONS:
        for item in document[section]:
            row = {"record": _SINGULAR[section]}
            for key, value in item.items():
                if key not in columns:
                    columns.append(key)
                row[key] = json.dumps(value, ensure_ascii=False) if key in _JSON_CELLS else value
            rows.append(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def new_question_id() -> str:
    return new_id("q")
