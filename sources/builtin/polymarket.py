"""``polymarket``: the settlement of a Polymarket market through the Gamma API.

Final only when the market is closed and ``umaResolutionStatus == "resolved"``; ``outcomes``
and ``outcomePrices`` are JSON-encoded strings. A 50/50 settlement means annulled. A market
closed long ago with no UMA status at all (old AMM markets) never settles in Gamma: its prices
are last trades, so it goes to review instead of waiting forever.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal

from pydantic import Field

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._errors import NotYetError, PermanentSourceError
from .._evidence import Evidence
from ._common import field, load_json, parse_date, response_for, to_float

__all__ = ["POLYMARKET_MARKETS_URL", "PolymarketSource", "PolymarketSpec"]

POLYMARKET_MARKETS_URL = "https://gamma-api.polymarket.com/markets"
# UMA settles in hours, a dispute in weeks; a closed market still bare after this never will.
_NO_SETTLEMENT_AFTER = timedelta(days=60)


class PolymarketSpec(SourceSpec):
    """``{source: polymarket, slug: which-company-has-best-ai-model-end-of-june}``."""

    source: Literal["polymarket"] = "polymarket"
    slug: str = Field(pattern=r"^[A-Za-z0-9_-]+$")


def _requests(spec: PolymarketSpec) -> list[FetchRequest]:
    # The list endpoint hides closed markets unless asked, so ask both ways.
    return [
        FetchRequest(url=POLYMARKET_MARKETS_URL, params=(("slug", spec.slug), ("closed", flag)))
        for flag in ("true", "false")
    ]


def _json_list(market: Mapping[str, Any], name: str, url: str) -> list[Any]:
    raw = field(market, name, url=url, where="market")
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        raise PermanentSourceError(f"{name} is not a JSON-encoded list: {raw!r}", url=url) from None
    if not isinstance(value, list):
        raise PermanentSourceError(f"{name} is not a list: {raw!r}", url=url)
    return value


def _never_settled(market: Mapping[str, Any], as_of: datetime) -> date | None:
    """The day a market closed if it closed long ago and Gamma records no UMA step for it."""
    if market.get("closed") is not True or market.get("umaResolutionStatus"):
        return None
    if market.get("umaResolutionStatuses") not in (None, "", "[]", []):
        return None
    days = [
        parse_date(market[k]) for k in ("closedTime", "endDate") if isinstance(market.get(k), str)
    ]
    closed = next((d for d in days if d is not None), None)
    if closed is None or as_of.date() - closed <= _NO_SETTLEMENT_AFTER:
        return None
    return closed


class PolymarketSource(Source[PolymarketSpec]):
    """The winning outcome (``yes``/``no`` or the outcome name); 50/50 -> ``annulled``."""

    name: ClassVar[str] = "polymarket"
    spec_model: ClassVar[type[SourceSpec]] = PolymarketSpec

    def requests(self, spec: PolymarketSpec, *, as_of: datetime) -> list[FetchRequest]:
        return _requests(spec)

    def parse(
        self, spec: PolymarketSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        markets: dict[str, Mapping[str, Any]] = {}
        urls = []
        for request in _requests(spec):
            evidence = response_for(responses, request)
            urls.append(evidence.url)
            payload = load_json(evidence)
            if not isinstance(payload, list):
                raise PermanentSourceError("expected a list of markets", url=evidence.url)
            for market in payload:
                if isinstance(market, Mapping) and market.get("slug") == spec.slug:
                    markets[str(market.get("id", spec.slug))] = market
        url = urls[0]
        if len(markets) != 1:
            found = "no market" if not markets else f"{len(markets)} markets"
            raise PermanentSourceError(f"{found} with slug {spec.slug!r}", url=url)
        market = next(iter(markets.values()))
        status = market.get("umaResolutionStatus")
        end = market.get("endDate")
        if market.get("closed") is not True or status != "resolved":
            closed = _never_settled(market, as_of)
            if closed is not None:
                raise PermanentSourceError(
                    f"Polymarket market {spec.slug!r} closed on {closed.isoformat()} and Gamma "
                    "records no settlement (no umaResolutionStatus, no UMA steps): its "
                    f"outcomePrices {market.get('outcomePrices')} are last trade prices, not an "
                    "outcome; resolve this question by hand",
                    url=url,
                )
            raise NotYetError(
                f"Polymarket market {spec.slug!r} is not settled "
                f"(closed={market.get('closed')}, umaResolutionStatus={status!r})",
                url=url,
                expected_by=parse_date(end) if isinstance(end, str) else None,
            )
        outcomes = [str(o) for o in _json_list(market, "outcomes", url)]
        prices = [
            to_float(p, what="outcome price", url=url)
            for p in _json_list(market, "outcomePrices", url)
        ]
        if len(outcomes) != len(prices) or not outcomes:
            raise PermanentSourceError("outcomes and outcomePrices differ in length", url=url)
        winners = [o for o, p in zip(outcomes, prices, strict=True) if p >= 0.99]
        if len(winners) == 1:
            name = winners[0]
            outcome = name.lower() if name.lower() in ("yes", "no") else name
        elif all(abs(p - 0.5) < 1e-9 for p in prices):
            outcome = "annulled"
        else:
            raise PermanentSourceError(f"unexpected settlement prices {prices}", url=url)
        dates = [
            parse_date(market[k])
            for k in ("umaEndDate", "endDate")
            if isinstance(market.get(k), str)
        ]
        known = [d for d in dates if d is not None]
        settled = dict(zip(outcomes, prices, strict=True))
        return Observation(
            kind="market",
            market_outcome=outcome,
            data_date=min(known) if known else None,
            detail=f"Polymarket {spec.slug!r} settled {settled} -> {outcome}",
            evidence_urls=urls,
        )
