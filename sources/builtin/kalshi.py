"""``kalshi``: the result of a Kalshi market (``/trade-api/v2/markets/{ticker}``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._errors import NotYetError, PermanentSourceError
from .._evidence import Evidence
from ._common import field, load_json, parse_date, response_for, to_float

__all__ = ["KALSHI_API", "KalshiSource", "KalshiSpec"]

KALSHI_API = "https://api.elections.kalshi.com/trade-api/v2/markets/"
_FINAL = ("determined", "amended", "finalized", "settled")


class KalshiSpec(SourceSpec):
    """``{source: kalshi, ticker: KXEXAMPLE-26DEC31}``."""

    source: Literal["kalshi"] = "kalshi"
    ticker: str = Field(pattern=r"^[A-Za-z0-9._-]+$")


class KalshiSource(Source[KalshiSpec]):
    """Final when status is determined/amended/finalized; result yes/no/scalar/void."""

    name: ClassVar[str] = "kalshi"
    spec_model: ClassVar[type[SourceSpec]] = KalshiSpec

    def _request(self, spec: KalshiSpec) -> FetchRequest:
        return FetchRequest(url=KALSHI_API + spec.ticker.upper())

    def requests(self, spec: KalshiSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [self._request(spec)]

    def parse(
        self, spec: KalshiSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        evidence = response_for(responses, self._request(spec))
        url = evidence.url
        market = field(load_json(evidence), "market", url=url)
        status = field(market, "status", url=url, where="market")
        result = field(market, "result", url=url, where="market")
        label = f"Kalshi market {spec.ticker.upper()}"
        if status not in _FINAL or result in ("", None):
            close = market.get("close_time")
            raise NotYetError(
                f"{label} is {status!r} with result {result!r}",
                url=url,
                expected_by=parse_date(close) if isinstance(close, str) else None,
            )
        value: float | None = None
        if result in ("yes", "no"):
            outcome = str(result)
        elif result in ("void", "cancelled", "canceled"):
            outcome = "annulled"
        elif result == "scalar":
            raw = market.get("settlement_value_dollars", market.get("settlement_value"))
            if raw is None:
                raise PermanentSourceError("scalar result without settlement value", url=url)
            value = to_float(raw, what="settlement value", url=url)
            if "settlement_value_dollars" not in market:
                value /= 100  # legacy integer cents
            outcome = repr(value)
        else:
            raise PermanentSourceError(f"unexpected Kalshi result {result!r}", url=url)
        settled = market.get("settlement_ts")
        return Observation(
            kind="market",
            market_outcome=outcome,
            value=value,
            data_date=parse_date(settled) if isinstance(settled, str) else None,
            detail=f"{label} {status}, result {result!r} -> {outcome}",
            evidence_urls=[url],
        )
