"""Import a person's history from another platform through the ordinary import path.

The parser (``forecasts.platforms``) turns the platform's export into neutral records; this
service maps people to handles, drops what an earlier import already wrote (reported as
skipped, so re-importing adds nothing twice) and hands the rest to
``transfer.write_entries``: validated as a whole, written in one transaction or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from forecasts.db.store import Store
from forecasts.domain import Origin
from forecasts.errors import ImportFileError, InputError
from forecasts.platforms import PLATFORMS, Item, Parsed, handle_for
from forecasts.platforms.fatebook import parse_fatebook_csv
from forecasts.platforms.predictionbook import parse_predictionbook_json

from .transfer import SECTIONS, Entry, write_entries

__all__ = ["PlatformImport", "import_platform", "parse_mapping", "write_parsed"]

_Parser = Callable[[bytes, str, str], Parsed]


def _fatebook(content: bytes, file: str, sha: str) -> Parsed:
    return parse_fatebook_csv(content, file=file, file_sha256=sha)


def _predictionbook(content: bytes, file: str, sha: str) -> Parsed:
    return parse_predictionbook_json(content, file=file, file_sha256=sha)


_PARSERS: dict[str, _Parser] = {"fatebook": _fatebook, "predictionbook": _predictionbook}


@dataclass
class PlatformImport:
    """What an import from a platform wrote (or, with ``dry_run``, would write) and skipped."""

    platform: str
    source: str
    dry_run: bool
    counts: dict[str, int]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    handles: dict[str, str] = field(default_factory=dict)
    """Platform name -> the handle its forecasts are recorded under."""


def parse_mapping(values: list[str]) -> tuple[str | None, dict[str, str]]:
    """``--as`` values: one bare HANDLE (for a one-person file) and/or NAME=HANDLE pairs."""
    bare: str | None = None
    pairs: dict[str, str] = {}
    for value in values:
        name, sep, handle = value.rpartition("=")
        if not sep:
            if bare is not None:
                raise InputError("--as: give one bare HANDLE at most; map others as NAME=HANDLE")
            bare = value.strip()
        else:
            pairs[name.strip()] = handle.strip()
    return bare, pairs


def _handles(
    parsed: Parsed, store: Store, mapping: list[str]
) -> tuple[dict[str, str], set[str], list[tuple[str, str]]]:
    """Platform names -> handles, the handles that exist already, and names with no handle."""
    bare, pairs = parse_mapping(mapping)
    people = [(i.where, str(i.data["name"])) for i in parsed.items if i.section == "forecasters"]
    if bare is not None:
        others = [name for _, name in people if name not in pairs]
        if len(others) > 1:
            raise InputError(
                f"--as: the file has forecasts by {len(others)} people "
                f"({', '.join(sorted(others))}); map each as NAME=HANDLE"
            )
        pairs.update(dict.fromkeys(others, bare))
    # A handle differing only in case from an existing one is that forecaster.
    existing = {f.handle.casefold(): f.handle for f in store.forecasters()}
    handles: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for where, name in people:
        handle = pairs.get(name) or handle_for(name)
        if handle is None:
            problems.append((where, f"forecaster '{name}' gives no handle; map it with --as"))
            continue
        handles[name] = existing.get(handle.casefold(), handle)
    return handles, set(existing.values()), problems


def _entries(
    parsed: Parsed, store: Store, handles: dict[str, str], known: set[str]
) -> tuple[list[Entry], list[tuple[str, str]]]:
    """The entries still to write, in dependency order, and what an earlier import wrote."""
    skipped: list[tuple[str, str]] = []
    questions = {q.id for q in store.questions()}
    outcomes = store.current_outcomes()
    created: set[str] = set()
    kept: list[Item] = []
    for item in parsed.items:
        data = dict(item.data)
        if item.section == "forecasters":
            handle = handles[str(data["name"])]
            if handle in known or handle in created:
                if handle in known:
                    skipped.append((item.where, f"forecaster '{handle}' already exists"))
                continue
            created.add(handle)
            data = {"handle": handle, "name": data["name"]}
        elif item.section == "questions" and data["id"] in questions:
            skipped.append((item.where, f"question {data['id']} already imported"))
            continue
        elif item.section == "forecasts":
            if store.has_forecast(str(data["id"])):
                skipped.append((item.where, f"forecast {data['id']} already imported"))
                continue
            data["by"] = handles[str(data["by"])]
        elif item.section == "resolutions" and data["question_id"] in outcomes:
            have = outcomes[str(data["question_id"])]
            skipped.append(
                (
                    item.where,
                    f"question {data['question_id']} already resolved"
                    + ("" if have == data["outcome"] else f" as {have} (here: {data['outcome']})"),
                )
            )
            continue
        kept.append(Item(item.section, item.where, data))
    # Forecasters before questions before forecasts before resolutions, each in file order.
    kept.sort(key=lambda i: SECTIONS.index(i.section))
    return [Entry(i.section, i.where, i.data) for i in kept], skipped


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def import_platform(
    store: Store,
    platform: str,
    path: Path,
    *,
    as_of: datetime,
    mapping: list[str] | None = None,
    dry_run: bool = False,
) -> PlatformImport:
    """Import ``path`` (an export of ``platform``): all or nothing, idempotent."""
    if platform not in PLATFORMS:
        raise InputError(f"--from: '{platform}' is not one of {', '.join(PLATFORMS)}")
    parser = _PARSERS.get(platform)
    if platform == "gjopen":
        # No public API, and the format of the forecasts a user can download is not documented
        # anywhere we could find; guessing it would import wrong numbers silently.
        raise InputError(
            "--from gjopen: Good Judgment Open documents no export format or API for a "
            "user's forecasts, so there is nothing reliable to read yet"
        )
    if parser is None:
        raise InputError(f"--from {platform}: imported through its API; give the user (not a file)")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    sha = _sha256(content)
    return write_parsed(
        store,
        parser(content, path.name, sha),
        source=str(path),
        origin=Origin(platform=platform, file=path.name, file_sha256=sha),
        as_of=as_of,
        mapping=mapping,
        dry_run=dry_run,
    )


def write_parsed(
    store: Store,
    parsed: Parsed,
    *,
    source: str,
    origin: Origin,
    as_of: datetime,
    mapping: list[str] | None = None,
    dry_run: bool = False,
) -> PlatformImport:
    """Map people, drop what was imported before, then validate and write all or nothing."""
    if parsed.problems:
        raise ImportFileError(source, parsed.problems)
    handles, known, problems = _handles(parsed, store, mapping or [])
    if problems:
        raise ImportFileError(source, problems)
    entries, already = _entries(parsed, store, handles, known)
    summary = write_entries(
        store, entries, source=source, as_of=as_of, origin=origin, dry_run=dry_run
    )
    return PlatformImport(
        platform=parsed.platform,
        source=source,
        dry_run=dry_run,
        counts=summary.counts,
        skipped=[*parsed.skipped, *already],
        handles=handles,
    )
