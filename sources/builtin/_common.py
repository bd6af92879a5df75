"""Helpers shared by the built-in sources: decoding payloads, numbers, dates, lookup tables.

JSON decoding lives in :mod:`._json` and is re-exported here.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import httpx
import pycountry

from .._base import FetchRequest
from .._errors import PermanentSourceError
from .._evidence import Evidence
from .._urls import parsed_url
from ._json import MAX_JSON_DEPTH, MAX_JSON_NUMBER_LENGTH, load_json

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_JSON_NUMBER_LENGTH",
    "country_code",
    "field",
    "http_url",
    "load_json",
    "org_country",
    "org_known",
    "parse_date",
    "read_csv",
    "response_for",
    "to_float",
]


@lru_cache(maxsize=16384)
def http_url(value: str) -> str:
    """Validate an http(s) URL for a spec field.

    Kept per string (a refusal is not kept: it is raised again each time): every question's
    spec is validated again on every sweep.
    """
    text = value.strip()
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
        raise ValueError(f"must be an http:// or https:// URL, got {value!r}")
    problem = _url_problem(text)
    if problem is not None:  # e.g. http://0177.0.0.1/: refused now, not at fetch time
        raise ValueError(f"not a valid URL ({problem}): {value!r}")
    return text


def _url_problem(text: str) -> str | None:
    try:
        parsed_url(text)
    except httpx.InvalidURL as error:
        return str(error)
    return None


def response_for(responses: Mapping[str, Evidence], request: FetchRequest) -> Evidence:
    """The evidence for ``request``; a missing response is a caller error, reported permanently."""
    try:
        return responses[request.key]
    except KeyError:
        raise PermanentSourceError(
            "no response was supplied for this request", url=request.public_url
        ) from None


def read_csv(evidence: Evidence) -> tuple[list[str], list[dict[str, str]]]:
    """Decode a CSV body into its header and rows (a real parser: quoted commas, newlines)."""
    raw = evidence.raw
    if raw.lstrip()[:1] == b"<":
        raise PermanentSourceError("expected CSV but got HTML", url=evidence.url)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PermanentSourceError(f"CSV is not UTF-8: {error}", url=evidence.url) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        rows = [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as error:
        raise PermanentSourceError(f"malformed CSV: {error}", url=evidence.url) from None
    header = list(reader.fieldnames or [])
    if not header:
        raise PermanentSourceError("CSV has no header row", url=evidence.url)
    return header, rows


def field(mapping: Any, name: str, *, url: str, where: str = "response") -> Any:
    """``mapping[name]``, or a permanent error naming the missing field (schema change)."""
    if not isinstance(mapping, Mapping):
        raise PermanentSourceError(
            f"expected an object in the {where}, got {type(mapping).__name__}", url=url
        )
    if name not in mapping:
        raise PermanentSourceError(f"missing field {name!r} in the {where}", url=url)
    return mapping[name]


def to_float(value: Any, *, what: str, url: str) -> float:
    """A finite float from a JSON number or numeric string; booleans are refused."""
    if isinstance(value, bool):
        raise PermanentSourceError(f"{what} is a boolean ({value}), not a number", url=url)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            text = value.strip()
            if "_" in text:  # float() would accept "1_000"
                raise ValueError(text)
            number = float(text)
        except ValueError:
            raise PermanentSourceError(f"{what} is not numeric: {value!r}", url=url) from None
    else:
        raise PermanentSourceError(
            f"{what} is a {type(value).__name__}, not a number: {value!r}", url=url
        )
    if not math.isfinite(number):
        raise PermanentSourceError(f"{what} is not finite: {value!r}", url=url)
    return number


def parse_date(text: str) -> date | None:
    """A date from ``YYYY-MM-DD``, an ISO datetime, ``YYYY-MM`` or ``YYYY``; None otherwise."""
    value = text.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    parts = value.split("-")
    try:
        if len(parts) == 2 and len(parts[0]) == 4:
            return date(int(parts[0]), int(parts[1]), 1)
        if len(parts) == 1 and len(value) == 4 and value.isdigit():
            return date(int(value), 1, 1)
    except ValueError:
        return None
    return None


def _norm(name: str) -> str:
    # Slugs and display names must meet: "ant-group", "Ant Group" and "ant_group" are one key.
    return " ".join(name.replace("_", " ").replace("-", " ").split()).casefold()


@cache
def _table(filename: str) -> dict[str, str]:
    """``name -> code`` from a data file whose first two columns are name and code."""
    text = resources.files("sources").joinpath("data", filename).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    table: dict[str, str] = {}
    for row in csv.reader(lines[1:]):
        if len(row) >= 2 and row[1].strip():
            table[_norm(row[0])] = row[1].strip().upper()
    return table


def org_country(organization: str) -> str | None:
    """ISO country code of an organization's headquarters, from ``data/org_country.csv``."""
    return _table("org_country.csv").get(_norm(organization))


def org_known(organization: str) -> bool:
    """Whether ``data/org_country.csv`` has a row for the organization."""
    return _norm(organization) in _table("org_country.csv")


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name as Epoch, OWID or the World Bank spell it.

    pycountry's exact lookup first (name, official name, common name, alpha-2/alpha-3 code;
    case-insensitive), then ``data/countries.csv`` for the spellings it lacks. No fuzzy
    matching: a wrong country is worse than an unmapped one, which the caller reports.
    """
    value = " ".join(name.split())
    if not value:
        return None
    try:
        return str(pycountry.countries.lookup(value).alpha_2)
    except LookupError:
        return _table("countries.csv").get(_norm(value))
