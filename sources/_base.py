"""The source interface: requests to make, evidence received, observations parsed."""

from __future__ import annotations

import functools
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._errors import PermanentSourceError
from ._evidence import Evidence
from ._urls import parsed_url

__all__ = [
    "FetchRequest",
    "FetcherLike",
    "Observation",
    "ObservationKind",
    "Source",
    "SourceSpec",
]

Pairs = tuple[tuple[str, str], ...]


@functools.lru_cache(maxsize=16384)
def _merged_url(url: str, params: Pairs) -> str:
    """``url`` with ``params`` merged in, as the HTTP client writes it.

    Kept per (url, params): a sweep builds the same request for every question that reads
    a URL, and parsing it is most of what building a request costs.
    """
    if not params and "?" not in url:
        # Nothing to merge: the same string as merging nothing, at a third of the cost.
        return str(parsed_url(url))
    return str(parsed_url(url).copy_merge_params(params))


class FetchRequest(BaseModel):
    """One HTTP request a source needs; frozen and hashable.

    ``secret_params`` and ``secret_headers`` are filled in by :meth:`Source.auth` just before
    fetching. They are excluded from :attr:`key`, from serialization and from ``repr``, and
    secret parameters are stripped from the URL recorded in the evidence.
    ``accept_status`` lists non-2xx statuses the source wants to see as evidence (for example
    404 when the source treats "not found" as "not yet").
    """

    model_config = ConfigDict(frozen=True)

    method: Literal["GET", "POST"] = "GET"
    url: str
    params: Pairs = ()
    headers: Pairs = ()
    body: bytes | None = None
    accept_status: tuple[int, ...] = ()
    secret_params: Pairs = Field(default=(), exclude=True, repr=False)
    secret_headers: Pairs = Field(default=(), exclude=True, repr=False)

    @model_validator(mode="after")
    def _check_url(self) -> FetchRequest:
        scheme = self.url.split(":", 1)[0].lower()
        if scheme not in ("http", "https"):
            raise ValueError(f"url must start with http:// or https://, got {self.url!r}")
        try:
            _merged_url(self.url, self.params)
        except httpx.InvalidURL as error:
            # Not a ValueError on purpose: pydantic lets it through, so a request for a URL
            # the client cannot parse fails as a source error naming the URL, not a crash later.
            raise PermanentSourceError(f"invalid URL: {error}", url=self.url) from None
        return self

    @functools.cached_property
    def public_url(self) -> str:
        """The URL with ``params`` merged in, without any secret parameter."""
        return _merged_url(self.url, self.params)

    @property
    def send_url(self) -> str:
        """The URL actually requested: public parameters plus secret ones."""
        if not self.secret_params:
            return self.public_url
        return str(httpx.URL(self.url).copy_merge_params(self.params + self.secret_params))

    @functools.cached_property
    def key(self) -> str:
        """A stable string identifying the request; identical requests share a key."""
        parts = [f"{self.method} {self.public_url}"]
        if self.headers:
            parts.append("headers=" + "&".join(f"{k.lower()}:{v}" for k, v in sorted(self.headers)))
        if self.body is not None:
            parts.append("body-sha256=" + hashlib.sha256(self.body).hexdigest())
        if self.accept_status:
            parts.append("accept=" + ",".join(str(s) for s in sorted(self.accept_status)))
        return " ".join(parts)

    def with_secrets(
        self, *, params: Iterable[tuple[str, str]] = (), headers: Iterable[tuple[str, str]] = ()
    ) -> FetchRequest:
        """A copy carrying extra secret parameters or headers (same :attr:`key`)."""
        return self.model_copy(
            update={
                "secret_params": self.secret_params + tuple(params),
                "secret_headers": self.secret_headers + tuple(headers),
            }
        )


ObservationKind = Literal["number", "ranking", "market", "text"]


class Observation(BaseModel):
    """What a source read, ready for a resolution rule.

    - ``number``: ``value``;
    - ``ranking``: ``ranking`` maps a group (organization, country code) to its value;
    - ``market``: ``market_outcome`` is ``"yes"``, ``"no"``, ``"annulled"``, an option name or a
      number as a string; ``value`` may hold the probability/number too;
    - ``text``: ``text``.
    """

    model_config = ConfigDict(frozen=True)

    kind: ObservationKind
    value: float | None = None
    ranking: dict[str, float] | None = None
    market_outcome: str | None = None
    text: str | None = None
    data_date: date | None = None
    detail: str = ""
    evidence_urls: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_kind(self) -> Observation:
        required = {
            "number": self.value,
            "ranking": self.ranking,
            "market": self.market_outcome,
            "text": self.text,
        }[self.kind]
        if required is None:
            field = {"number": "value", "market": "market_outcome"}.get(self.kind, self.kind)
            raise ValueError(f"a {self.kind!r} observation needs {field!r}")
        return self


class SourceSpec(BaseModel):
    """Base of every source's spec model: ``source`` names the source; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str


SpecT = TypeVar("SpecT", bound=SourceSpec)


class FetcherLike(Protocol):
    """What :func:`resolve_many` needs: ``Fetcher`` and ``ReplayFetcher`` both qualify.

    ``fetch`` is called from several threads at once; it returns the evidence or raises a
    :class:`SourceError`.
    """

    def fetch(self, request: FetchRequest, *, fetched_at: datetime | None = None) -> Evidence: ...


class Source(ABC, Generic[SpecT]):
    """A resolution source: which requests to make and how to read the responses.

    Subclasses set ``name`` and ``spec_model`` (checked when the class is defined) and implement
    :meth:`requests` and :meth:`parse`, both pure: no clock, no network, no environment.
    ``credential`` is the secret the source sends, if it needs one (see :meth:`auth`).
    """

    name: ClassVar[str]
    spec_model: ClassVar[type[SourceSpec]]

    def __init__(self, *, credential: str | None = None) -> None:
        # The secret this source sends (API key, token) is given by the application:
        # a source never reads the environment.
        self._credential = credential

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        abstract = any(
            getattr(getattr(cls, attr, None), "__isabstractmethod__", False) for attr in dir(cls)
        )
        if abstract:
            return
        for attr in ("name", "spec_model"):
            if not hasattr(cls, attr):
                raise TypeError(f"source class {cls.__qualname__} must define {attr!r}")
        if not isinstance(cls.spec_model, type) or not issubclass(cls.spec_model, SourceSpec):
            raise TypeError(f"{cls.__qualname__}.spec_model must be a SourceSpec subclass")

    @abstractmethod
    def requests(self, spec: SpecT, *, as_of: datetime) -> list[FetchRequest]:
        """The requests to make for ``spec``; pure."""

    def more_requests(
        self, spec: SpecT, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> list[FetchRequest]:
        """Further requests that depend on responses so far (paging); default none.

        Called repeatedly with all responses received until it returns no request whose key is
        not already in ``responses``.
        """
        return []

    @abstractmethod
    def parse(
        self, spec: SpecT, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        """Read the responses (keyed by :attr:`FetchRequest.key`); pure.

        Raises ``PermanentSourceError`` or ``NotYetError``.
        """

    def auth(self, request: FetchRequest) -> FetchRequest:
        """Add secret headers or parameters from the credential given to the source; default:
        none. A source that needs a credential and has none raises ``PermanentSourceError``."""
        return request

    def resolve(
        self,
        spec: SpecT,
        fetcher: FetcherLike,
        *,
        as_of: datetime,
        fetched_at: datetime | None = None,
    ) -> tuple[Observation, list[Evidence]]:
        """Fetch what ``spec`` needs (with paging) and parse it: one spec through
        :func:`resolve_many`. Raises the :class:`SourceError` it met, never anything else."""
        from ._batch import resolve_many  # _batch builds on this module

        [(_, result)] = resolve_many(
            {0: [(self, spec)]}, fetcher, as_of=as_of, fetched_at=fetched_at
        )
        if result.error is not None:
            raise result.error
        return result.observations[0], list(result.evidence)
