"""Helpers shared by the built-in sources: decoding payloads, numbers, dates, lookup tables."""

from __future__ import annotations

import csv
import io
import json
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


def http_url(value: str) -> str:
    """Validate an http(s) URL for a spec field."""
    text = value.strip()
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
        raise ValueError(f"must be an http:// or https:// URL, got {value!r}")
    problem = _url_problem(text)
    if problem is not None:  # e.g. http://0177.0.0.1/: refused now, not at fetch time
        raise ValueError(f"not a valid URL ({problem}): {value!r}")
    return text


@lru_cache(maxsize=16384)
def _url_problem(text: str) -> str | None:
    # Kept per URL: the questions of a sweep are parsed again on every sweep.
    try:
        httpx.URL(text)
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


MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays/objects accepted in a JSON payload (real APIs stay under 15)."""
MAX_JSON_NUMBER_LENGTH = 64
"""Longest number literal accepted; a double needs at most 24 characters."""

# Content types a JSON API may legitimately send; an absent header is left to the decoder.
_JSON_TYPES = frozenset({"application/json", "text/json", "text/plain", "text/javascript"})
_JSON_TYPES_LEGACY = frozenset({"application/javascript", "application/x-javascript"})


class _Refused(Exception):
    """Raised inside the decoder hooks; turned into a ``PermanentSourceError``."""


def _check_content_type(evidence: Evidence) -> None:
    media = evidence.content_type.split(";", 1)[0].strip().lower()
    if not media or media in _JSON_TYPES or media in _JSON_TYPES_LEGACY:
        return
    if media.endswith("+json"):
        return
    raise PermanentSourceError(f"expected JSON but got content type {media!r}", url=evidence.url)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:  # two readers of this payload could see two different values
            raise _Refused(f"duplicate key {key[:80]!r} in a JSON object")
        document[key] = value
    return document


def _number(text: str, convert: type[int] | type[float]) -> int | float:
    if len(text) > MAX_JSON_NUMBER_LENGTH:
        raise _Refused(f"a JSON number of {len(text)} characters exceeds {MAX_JSON_NUMBER_LENGTH}")
    return convert(text)


def _check_depth(document: Any) -> None:
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth > MAX_JSON_DEPTH:
            raise _Refused(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def load_json(evidence: Evidence) -> Any:
    """Decode a JSON body strictly; every refusal is a ``PermanentSourceError``.

    Refused: a non-JSON content type (HTML, images...), HTML/XML, an empty or truncated body,
    duplicate keys, nesting deeper than :data:`MAX_JSON_DEPTH`, number literals longer than
    :data:`MAX_JSON_NUMBER_LENGTH`.
    """
    raw = evidence.raw
    head = raw.lstrip()[:64].lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        raise PermanentSourceError(
            f"expected JSON but got HTML/XML (content-type {evidence.content_type or 'unknown'!r})",
            url=evidence.url,
        )
    _check_content_type(evidence)
    if not head:
        raise PermanentSourceError("expected JSON but the body is empty", url=evidence.url)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PermanentSourceError(f"body is not UTF-8: {error}", url=evidence.url) from None
    try:
        document = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=lambda t: _number(t, int),
            parse_float=lambda t: _number(t, float),
        )
        if isinstance(document, dict | list):
            _check_depth(document)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()):
            reason = f"truncated JSON: {error.msg} at end of {len(raw)} bytes"
        else:
            reason = f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}"
        raise PermanentSourceError(reason, url=evidence.url) from None
    except _Refused as error:
        raise PermanentSourceError(str(error), url=evidence.url) from None
    except RecursionError:
        reason = f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
        raise PermanentSourceError(reason, url=evidence.url) from None
    except ValueError as error:  # e.g. the interpreter's limit on int digits
        raise PermanentSourceError(f"unreadable JSON: {error}", url=evidence.url) from None
    return document


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
