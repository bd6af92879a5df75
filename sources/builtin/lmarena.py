"""``lmarena``: best Arena rating per organization or country on a leaderboard publication.

Reads the Hugging Face dataset ``lmarena-ai/leaderboard-dataset`` (split ``full``) through the
datasets-server ``/filter`` API, restricted to one category and to publications in the window
``[date - max_staleness_days, date]``, paging 100 rows at a time (:meth:`more_requests`).
The latest ``leaderboard_publish_date`` in the window is used.

- ``date`` not over yet (``as_of`` on or before it): ``NotYetError``.
- no publication in the window: a ``market`` observation with ``market_outcome="annulled"``
  and a detail saying the leaderboard is stale (the research rule annuls such questions).

With ``export_url`` the source reads one published export of a leaderboard instead (a CSV,
JSON or JSON-lines file, e.g. a copy committed to a public repository): one request, the rows
read by :func:`read_publication`. Rows without ``leaderboard_publish_date`` are dated
``export_date``; rows without ``category`` are taken as the spec's category (the export is of
one board). The same window and ranking rules then apply.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._errors import NotYetError, PermanentSourceError
from .._evidence import Evidence
from ._common import (
    field,
    http_url,
    load_json,
    org_country,
    org_known,
    parse_date,
    response_for,
    to_float,
)
from ._skips import OTHER

__all__ = [
    "LMARENA_DATASET",
    "LMARENA_FILTER_URL",
    "LmarenaSource",
    "LmarenaSpec",
    "MissingOrg",
    "OrgReport",
    "missing_organizations",
    "read_publication",
]

LMARENA_FILTER_URL = "https://datasets-server.huggingface.co/filter"
LMARENA_DATASET = "lmarena-ai/leaderboard-dataset"
_PAGE = 100
_MAX_PAGES = 50


class LmarenaSpec(SourceSpec):
    """``{source: lmarena, date: 2029-01-10, config: text, category: overall, by: country}``.

    Without ``date`` the leaderboard is read as of the check: the latest publication on or
    before the previous day (a final one). Then a missing recent publication is "not yet"
    rather than an annulment, since a later check may find one.
    """

    source: Literal["lmarena"] = "lmarena"
    date: _dt.date | None = None
    config: str = Field("text", pattern=r"^[a-z0-9_]+$")
    category: str = Field("overall", pattern=r"^[a-z0-9_]+$")
    by: Literal["organization", "country"] = "country"
    max_staleness_days: int = Field(30, ge=0, le=366)
    unknown_orgs: Literal["error", "ignore", "other"] = "error"
    review_if_left_out_leads: bool = True
    export_url: str | None = None
    export_date: _dt.date | None = None

    @field_validator("export_url")
    @classmethod
    def _check_export_url(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value)

    @model_validator(mode="after")
    def _export_pair(self) -> LmarenaSpec:
        if self.export_date is not None and self.export_url is None:
            raise ValueError("'export_date' dates an export: give 'export_url' too")
        return self


@dataclass(frozen=True)
class MissingOrg:
    """An organization on the leaderboard with no row in ``data/org_country.csv``."""

    name: str
    models: int
    best_rating: float | None


@dataclass(frozen=True)
class OrgReport:
    """What :func:`missing_organizations` found in a publication."""

    organizations: int
    missing: list[MissingOrg]
    blank_rows: int


def _target(spec: LmarenaSpec, as_of: datetime) -> _dt.date:
    return spec.date if spec.date is not None else as_of.date() - timedelta(days=1)


def _page_request(spec: LmarenaSpec, target: _dt.date, offset: int) -> FetchRequest:
    start = target - timedelta(days=spec.max_staleness_days)
    where = (
        f"\"category\"='{spec.category}' AND \"leaderboard_publish_date\">='{start.isoformat()}'"
        f" AND \"leaderboard_publish_date\"<='{target.isoformat()}'"
    )
    return FetchRequest(
        url=LMARENA_FILTER_URL,
        params=(
            ("dataset", LMARENA_DATASET),
            ("config", spec.config),
            ("split", "full"),
            ("where", where),
            ("offset", str(offset)),
            ("length", str(_PAGE)),
        ),
    )


def _total(evidence: Evidence) -> int:
    total = field(load_json(evidence), "num_rows_total", url=evidence.url)
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise PermanentSourceError(f"num_rows_total is not a count: {total!r}", url=evidence.url)
    if total > _PAGE * _MAX_PAGES:
        raise PermanentSourceError(
            f"{total} rows match; more than {_PAGE * _MAX_PAGES} is unexpected", url=evidence.url
        )
    return total


def _publish_date(value: Any, url: str) -> _dt.date:
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC).date()
    day = parse_date(value) if isinstance(value, str) else None
    if day is None:
        raise PermanentSourceError(f"unreadable leaderboard_publish_date {value!r}", url=url)
    return day


def _filter_rows(
    spec: LmarenaSpec, target: _dt.date, responses: Mapping[str, Evidence]
) -> tuple[list[Mapping[str, Any]], list[str]]:
    """The rows of every datasets-server ``/filter`` page, and the pages' URLs."""
    first = response_for(responses, _page_request(spec, target, 0))
    total = _total(first)
    rows: list[Mapping[str, Any]] = []
    urls = []
    for offset in range(0, max(total, 1), _PAGE):
        evidence = response_for(responses, _page_request(spec, target, offset))
        urls.append(evidence.url)
        page = field(load_json(evidence), "rows", url=evidence.url)
        if not isinstance(page, list):
            raise PermanentSourceError("'rows' is not a list", url=evidence.url)
        for item in page:
            rows.append(field(item, "row", url=evidence.url, where="rows[]"))
    return rows, urls


def _export_rows(
    spec: LmarenaSpec, evidence: Evidence
) -> tuple[list[Mapping[str, Any]], list[str]]:
    """The rows of a published export, dated and categorised where the file is silent."""
    url = evidence.url
    try:
        rows = read_publication(evidence.raw)
    except (ValueError, KeyError, TypeError) as error:
        raise PermanentSourceError(f"not a leaderboard export: {error}", url=url) from None
    if not rows:
        raise PermanentSourceError("the export has no rows", url=url)
    for row in rows:
        if row.get("leaderboard_publish_date") in (None, ""):
            if spec.export_date is None:
                raise PermanentSourceError(
                    "the export's rows carry no leaderboard_publish_date: give export_date",
                    url=url,
                )
            row["leaderboard_publish_date"] = spec.export_date.isoformat()
        row.setdefault("category", spec.category)
    return list(rows), [url]


class LmarenaSource(Source[LmarenaSpec]):
    """Ranking of organizations or countries by their best model's Arena rating."""

    name: ClassVar[str] = "lmarena"
    spec_model: ClassVar[type[SourceSpec]] = LmarenaSpec

    def requests(self, spec: LmarenaSpec, *, as_of: datetime) -> list[FetchRequest]:
        if spec.export_url is not None:
            return [FetchRequest(url=spec.export_url)]
        return [_page_request(spec, _target(spec, as_of), 0)]

    def more_requests(
        self, spec: LmarenaSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> list[FetchRequest]:
        if spec.export_url is not None:
            return []
        target = _target(spec, as_of)
        first = responses.get(_page_request(spec, target, 0).key)
        if first is None:
            return []
        total = _total(first)
        return [_page_request(spec, target, offset) for offset in range(_PAGE, total, _PAGE)]

    def parse(
        self, spec: LmarenaSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        target = _target(spec, as_of)
        if as_of.date() <= target:
            raise NotYetError(
                f"leaderboard for {target.isoformat()} is not final before that day ends",
                expected_by=target + timedelta(days=1),
            )
        if spec.export_url is not None:
            rows, urls = _export_rows(
                spec, response_for(responses, FetchRequest(url=spec.export_url))
            )
        else:
            rows, urls = _filter_rows(spec, target, responses)
        url = urls[0]
        dated = []
        for row in rows:
            if field(row, "category", url=url, where="row") != spec.category:
                continue
            day = _publish_date(field(row, "leaderboard_publish_date", url=url, where="row"), url)
            if day <= target:
                dated.append((day, row))
        window_start = target - timedelta(days=spec.max_staleness_days)
        latest = max((day for day, _ in dated), default=None)
        if (latest is None or latest < window_start) and spec.date is None:
            raise NotYetError(
                f"no LMArena {spec.config}/{spec.category} publication between "
                f"{window_start.isoformat()} and {target.isoformat()} yet",
                url=url,
            )
        if latest is None or latest < window_start:
            return Observation(
                kind="market",
                market_outcome="annulled",
                detail=(
                    f"stale: no LMArena {spec.config}/{spec.category} publication between "
                    f"{window_start.isoformat()} and {target.isoformat()}"
                ),
                evidence_urls=urls,
            )
        return self._ranking(spec, [row for day, row in dated if day == latest], latest, urls)

    def _ranking(
        self, spec: LmarenaSpec, rows: list[Mapping[str, Any]], published: _dt.date, urls: list[str]
    ) -> Observation:
        url = urls[0]
        best_org, blank = _best_by_org(rows, url)
        if not best_org:
            raise PermanentSourceError(f"no rated models on {published.isoformat()}", url=url)
        ranking: dict[str, float] = {org: rating for org, (rating, _) in best_org.items()}
        unknown = {org: best_org[org] for org in best_org if spec.by == "country"}
        if spec.by == "country":
            ranking = {}
            for org, (rating, _) in best_org.items():
                code = org_country(org) or (OTHER if spec.unknown_orgs == "other" else None)
                if code is not None:
                    unknown.pop(org)
                    ranking[code] = max(rating, ranking.get(code, rating))
            if unknown and spec.unknown_orgs == "error":
                raise PermanentSourceError(
                    f"no country for organization(s) {', '.join(sorted(unknown))} in "
                    "sources/data/org_country.csv (add them, or set unknown_orgs: ignore or other)",
                    url=url,
                )
        # Models left out of the ranking: unmapped organizations (ignore) and blank ones.
        left_out = [(r, f"{m} ({o})") for o, (r, m) in unknown.items()] + blank
        top_rating = max(rating for rating, _ in best_org.values())
        mapped_top = max(ranking.values(), default=-math.inf)
        leading = sorted(name for rating, name in left_out if rating >= mapped_top)
        if leading and spec.review_if_left_out_leads:
            raise PermanentSourceError(
                f"a model left out of the by-{spec.by} ranking rates at or above its top "
                f"({mapped_top:g}): {', '.join(leading)}; the answer could change",
                url=url,
            )
        leaders = sorted(
            f"{model} ({org})" for org, (rating, model) in best_org.items() if rating == top_rating
        )
        note = ""
        if unknown:
            note += f"; ignored unmapped: {', '.join(sorted(unknown))}"
        if blank:
            best_blank = max(rating for rating, _ in blank)
            note += (
                f"; skipped {len(blank)} models with a blank organization "
                f"(best rating {best_blank:g})"
            )
        return Observation(
            kind="ranking",
            ranking=ranking,
            data_date=published,
            detail=(
                f"LMArena {spec.config}/{spec.category} published {published.isoformat()}: "
                f"{len(rows)} models, best by {spec.by}; top rating {top_rating:g} by "
                f"{', '.join(leaders)}{note}"
            ),
            evidence_urls=urls,
        )


def _best_by_org(
    rows: list[Mapping[str, Any]], url: str
) -> tuple[dict[str, tuple[float, str]], list[tuple[float, str]]]:
    """Each organization's best (rating, model), and the (rating, model) of blank-org rows."""
    best: dict[str, tuple[float, str]] = {}
    blank: list[tuple[float, str]] = []
    for row in rows:
        org = str(field(row, "organization", url=url, where="row") or "").strip()
        model = str(field(row, "model_name", url=url, where="row"))
        rating = to_float(field(row, "rating", url=url, where="row"), what="rating", url=url)
        if not org:
            blank.append((rating, model))
        elif org not in best or rating > best[org][0]:
            best[org] = (rating, model)
    return best, blank


def missing_organizations(rows: Iterable[Mapping[str, Any]]) -> OrgReport:
    """Organizations in leaderboard rows that ``data/org_country.csv`` lacks.

    ``rows`` are leaderboard rows (``organization``, ``model_name``, ``rating``, ...) of one or
    more publications. Pure: reads only the packaged mapping file.
    """
    missing: dict[str, MissingOrg] = {}
    blank = 0
    total: set[str] = set()
    for row in rows:
        org = str(row.get("organization") or "").strip()
        if not org:
            blank += 1
            continue
        total.add(org)
        if org_known(org):
            continue
        entry = missing.setdefault(org, MissingOrg(org, 0, None))
        rating = row.get("rating")
        number = float(rating) if isinstance(rating, int | float) else None
        best = entry.best_rating
        if number is not None and (best is None or number > best):
            best = number
        missing[org] = MissingOrg(org, entry.models + 1, best)
    ordered = sorted(missing.values(), key=lambda m: (-(m.best_rating or -math.inf), m.name))
    return OrgReport(organizations=len(total), missing=ordered, blank_rows=blank)


def read_publication(raw: bytes) -> list[dict[str, Any]]:
    """Leaderboard rows from a datasets-server ``/rows`` or ``/filter`` page (``{"rows": [{"row":
    {...}}]}``), a JSON list of row objects, JSON lines, or a CSV export with a header."""
    text = raw.decode("utf-8-sig")
    if text.lstrip().startswith(("{", "[")):
        try:
            payload = json.loads(text)
        except json.JSONDecodeError:  # JSON lines: one row object per line
            return [_canonical(json.loads(line)) for line in text.splitlines() if line.strip()]
        items = payload.get("rows") if isinstance(payload, dict) else payload
        if not isinstance(items, list):
            raise ValueError("expected a datasets-server page with a 'rows' list")
        return [_canonical(item["row"]) if "row" in item else _canonical(item) for item in items]
    rows = [_canonical(row) for row in csv.DictReader(io.StringIO(text, newline=""))]
    for row in rows:
        try:
            row["rating"] = float(row.get("rating") or "")
        except (TypeError, ValueError):
            row.pop("rating", None)
    return rows


# Column names of third-party exports of the leaderboard -> the dataset's names. The CSV
# export at github.com/fboulnois/llm-leaderboard-csv (from LMArena's elo_results pickles)
# calls them model and arena_score.
_ALIASES = {"model": "model_name", "arena_score": "rating"}


def _canonical(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for alias, name in _ALIASES.items():
        if alias in out and name not in out:
            out[name] = out.pop(alias)
    return out
