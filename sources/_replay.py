"""Replay recorded responses instead of fetching (demos, offline runs, regression fixtures).

A recording directory holds the response bodies and an ``index.json``::

    {
      "GET https://query1.finance.yahoo.com/v8/finance/chart/0100.HK?interval=1d&...": {
        "file": "0100HK.json", "status": 200, "content_type": "application/json"
      }
    }

Keys are :attr:`FetchRequest.key` values or plain URLs (the request's public URL, or its URL
without parameters). ``url`` (the recorded final URL) is optional.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ._base import FetchRequest
from ._errors import PermanentSourceError, SourceError
from ._evidence import Evidence
from ._http import status_error

__all__ = ["INDEX_FILE", "ReplayFetcher", "save_recording"]

INDEX_FILE = "index.json"


class _Entry(BaseModel):
    file: str
    status: int = 200
    content_type: str = "application/json"
    url: str | None = None


def _load_index(directory: Path) -> dict[str, _Entry]:
    path = directory / INDEX_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise PermanentSourceError(f"unreadable recording index: {error}", url=str(path)) from None
    if not isinstance(raw, dict):
        raise PermanentSourceError("recording index must be a JSON object", url=str(path))
    try:
        return {str(k): _Entry.model_validate(v) for k, v in raw.items()}
    except ValidationError as error:
        raise PermanentSourceError(f"bad recording index entry: {error}", url=str(path)) from None


class ReplayFetcher:
    """Serves recorded responses; evidence is marked ``recorded=True``.

    ``fetched_at`` defaults to ``recorded_at`` (a fixed time), so replay never reads the clock.
    """

    def __init__(
        self,
        directory: Path | str,
        *,
        recorded_at: datetime = datetime(1970, 1, 1, tzinfo=UTC),
    ) -> None:
        self.directory = Path(directory)
        self.recorded_at = recorded_at
        self._index: dict[str, _Entry] | None = None

    def _entry(self, request: FetchRequest) -> _Entry:
        if self._index is None:
            self._index = _load_index(self.directory)
        for key in (request.key, request.public_url, request.url):
            entry = self._index.get(key)
            if entry is not None:
                return entry
        raise PermanentSourceError(
            f"no recording for {request.key!r} in {self.directory}", url=request.public_url
        )

    def fetch(self, request: FetchRequest, *, fetched_at: datetime | None = None) -> Evidence:
        """The recorded response for ``request``; statuses map to errors like the fetcher."""
        entry = self._entry(request)
        url = entry.url or request.public_url
        if not (200 <= entry.status < 300 or entry.status in request.accept_status):
            raise status_error(entry.status, url=url)
        path = self.directory / entry.file
        try:
            body = path.read_bytes()
        except OSError as error:
            raise PermanentSourceError(f"unreadable recording: {error}", url=str(path)) from None
        return Evidence.from_response(
            url=url,
            status=entry.status,
            content_type=entry.content_type,
            body=body,
            fetched_at=fetched_at or self.recorded_at,
            recorded=True,
        )

    def fetch_many(
        self, requests: Iterable[FetchRequest], *, fetched_at: datetime | None = None
    ) -> dict[str, Evidence | SourceError]:
        """Like :meth:`Fetcher.fetch_many`, sequentially."""
        results: dict[str, Evidence | SourceError] = {}
        for request in requests:
            if request.key in results:
                continue
            try:
                results[request.key] = self.fetch(request, fetched_at=fetched_at)
            except SourceError as error:
                results[request.key] = error
        return results


def save_recording(directory: Path | str, request: FetchRequest, evidence: Evidence) -> Path:
    """Add ``evidence`` (with its full body) to a recording directory under ``request.key``."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    index = _load_index(folder)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", request.public_url.split("://", 1)[-1])[:80]
    name = f"{stem}-{evidence.sha256[:12]}"
    path = folder / name
    path.write_bytes(evidence.raw)
    index[request.key] = _Entry(
        file=name, status=evidence.status, content_type=evidence.content_type, url=evidence.url
    )
    payload = {key: entry.model_dump() for key, entry in sorted(index.items())}
    (folder / INDEX_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path
