"""Resolution sources: what to fetch, a bounded fetcher, and pure parsers.

A :class:`Source` says which :class:`FetchRequest` objects a spec needs and parses the
:class:`Evidence` received into an :class:`Observation`. A :class:`Fetcher` (over a client from
:func:`make_client`) performs requests under an :class:`HttpPolicy`; :class:`ReplayFetcher`
serves recordings instead. :func:`load_sources` builds the registry from the entry point group
the application names. Nothing here reads the environment or runs at import time.
"""

from __future__ import annotations

from ._base import FetcherLike as FetcherLike
from ._base import FetchRequest as FetchRequest
from ._base import Observation as Observation
from ._base import ObservationKind as ObservationKind
from ._base import Source as Source
from ._base import SourceSpec as SourceSpec
from ._batch import BatchResult as BatchResult
from ._batch import resolve_many as resolve_many
from ._errors import NotYetError as NotYetError
from ._errors import PermanentSourceError as PermanentSourceError
from ._errors import RetryableSourceError as RetryableSourceError
from ._errors import SourceError as SourceError
from ._errors import SpecError as SpecError
from ._errors import UnknownSourceError as UnknownSourceError
from ._evidence import DEFAULT_EXCERPT_LIMIT as DEFAULT_EXCERPT_LIMIT
from ._evidence import Evidence as Evidence
from ._fetcher import Fetcher as Fetcher
from ._guard import Resolver as Resolver
from ._http import HttpPolicy as HttpPolicy
from ._http import make_client as make_client
from ._http import parse_retry_after as parse_retry_after
from ._registry import SourceRegistry as SourceRegistry
from ._registry import load_sources as load_sources
from ._replay import ReplayFetcher as ReplayFetcher
from ._replay import save_recording as save_recording

__all__ = [
    "BatchResult",
    "DEFAULT_EXCERPT_LIMIT",
    "Evidence",
    "FetchRequest",
    "Fetcher",
    "FetcherLike",
    "NotYetError",
    "Observation",
    "ObservationKind",
    "PermanentSourceError",
    "ReplayFetcher",
    "Resolver",
    "RetryableSourceError",
    "Source",
    "SourceError",
    "SourceRegistry",
    "SourceSpec",
    "SpecError",
    "UnknownSourceError",
    "load_sources",
    "make_client",
    "parse_retry_after",
    "resolve_many",
    "save_recording",
]
