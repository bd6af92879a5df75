"""``manifold``: the resolution of a Manifold market, by id or slug."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._errors import NotYetError, PermanentSourceError
from .._evidence import Evidence
from ._common import field, load_json, response_for, to_float

__all__ = ["MANIFOLD_API", "ManifoldSource", "ManifoldSpec"]

MANIFOLD_API = "https://api.manifold.markets/v0/"


class ManifoldSpec(SourceSpec):
    """``{source: manifold, market_id: ...}`` or ``{source: manifold, slug: ...}``."""

    source: Literal["manifold"] = "manifold"
    market_id: str | None = Field(None, pattern=r"^[A-Za-z0-9]+$")
    slug: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]+$")

    @model_validator(mode="after")
    def _one_id(self) -> ManifoldSpec:
        if (self.market_id is None) == (self.slug is None):
            raise ValueError("give exactly one of 'market_id' or 'slug'")
        return self


def _ms_date(value: Any) -> date | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC).date()
    return None


def _answer_split(market: Mapping[str, Any]) -> str:
    answers = [a for a in market.get("answers") or [] if isinstance(a, Mapping)]
    parts = []
    for answer in answers:
        if answer.get("resolution") is not None:
            share = answer.get("resolutionProbability")
            text = str(answer.get("text", answer.get("id", "?")))
            value = f" {share:g}" if isinstance(share, int | float) else ""
            parts.append(f"{text!r} {answer['resolution']}{value}")
    # Older (DPM) multi-answer markets keep the split in one map: answer id -> weight in %.
    weights = market.get("resolutions")
    if not parts and isinstance(weights, Mapping):
        names = {str(a.get("id")): str(a.get("text", a.get("id"))) for a in answers}
        for key, weight in weights.items():
            share = f" {weight:g}%" if isinstance(weight, int | float) else ""
            parts.append(f"{names.get(str(key), str(key))!r}{share}")
    return "; ".join(parts) or "no per-answer resolutions given"


class ManifoldSource(Source[ManifoldSpec]):
    """YES/NO -> yes/no, MKT -> the resolution probability, CANCEL -> annulled.

    A pseudo-numeric market resolves to its ``resolutionValue``; a multi-answer market split
    across answers has no single outcome and is refused with the split named.
    """

    name: ClassVar[str] = "manifold"
    spec_model: ClassVar[type[SourceSpec]] = ManifoldSpec

    def _request(self, spec: ManifoldSpec) -> FetchRequest:
        path = f"market/{spec.market_id}" if spec.market_id else f"slug/{spec.slug}"
        return FetchRequest(url=MANIFOLD_API + path)

    def requests(self, spec: ManifoldSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [self._request(spec)]

    def parse(
        self, spec: ManifoldSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        evidence = response_for(responses, self._request(spec))
        url = evidence.url
        market = load_json(evidence)
        resolved = field(market, "isResolved", url=url, where="market")
        if resolved is not True:
            raise NotYetError(
                f"Manifold market {market.get('id', spec.market_id or spec.slug)} is not resolved",
                url=url,
                expected_by=_ms_date(market.get("closeTime")),
            )
        resolution = field(market, "resolution", url=url, where="market")
        when = _ms_date(market.get("resolutionTime"))
        value: float | None = None
        if resolution == "CANCEL":
            outcome = "annulled"
        elif market.get("outcomeType") == "PSEUDO_NUMERIC":
            # The number is resolutionValue; resolutionProbability is only its place on the
            # market's (possibly log) scale between min and max.
            value = to_float(
                field(market, "resolutionValue", url=url, where="market"),
                what="resolutionValue",
                url=url,
            )
            outcome = repr(value)
        elif resolution in ("YES", "NO"):
            outcome = resolution.lower()
        elif resolution == "MKT" and market.get("answers"):
            # A multi-answer market resolved across several answers: there is no single
            # resolutionProbability; the split lives on each answer.
            raise PermanentSourceError(
                f"Manifold {market.get('outcomeType', 'multi-answer')} market resolved MKT "
                f"across answers ({_answer_split(market)}): a split resolution has no single "
                "outcome; resolve this question by hand",
                url=url,
            )
        elif resolution == "MKT" and market.get("outcomeType") != "MULTIPLE_CHOICE":
            value = to_float(
                field(market, "resolutionProbability", url=url, where="market"),
                what="resolutionProbability",
                url=url,
            )
            outcome = repr(value)
        elif isinstance(resolution, str) and market.get("outcomeType") == "MULTIPLE_CHOICE":
            answers = {a.get("id"): a.get("text") for a in market.get("answers") or []}
            if resolution not in answers:
                raise PermanentSourceError(
                    f"resolution {resolution!r} is not one of the market's answers", url=url
                )
            outcome = str(answers[resolution])
        elif "resolutionValue" in market:
            value = to_float(market["resolutionValue"], what="resolutionValue", url=url)
            outcome = repr(value)
        else:
            raise PermanentSourceError(f"unexpected Manifold resolution {resolution!r}", url=url)
        return Observation(
            kind="market",
            market_outcome=outcome,
            value=value,
            data_date=when,
            detail=f"Manifold market {market.get('id', '?')} resolved {resolution} -> {outcome}",
            evidence_urls=[url],
        )
