"""Market sources on real API responses recorded by third parties (see each PROVENANCE.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sources import NotYetError, PermanentSourceError
from sources.builtin.kalshi import KalshiSource
from sources.builtin.manifold import ManifoldSource
from sources.builtin.polymarket import PolymarketSource

from .conftest import cassette_body

# --- Manifold: PyManifold's VCR cassettes (fixtures/manifold/real/PROVENANCE.md)

AFTER_MANIFOLD = datetime(2022, 10, 12, tzinfo=UTC)


def _manifold(name: str, market_id: str, interaction: int = -1) -> tuple[dict[str, str], bytes]:
    body = cassette_body(f"manifold/real/{name}.yaml", interaction)
    return {"source": "manifold", "market_id": market_id}, body


def test_manifold_real_binary_market_resolved_yes(run_parse) -> None:  # type: ignore[no-untyped-def]
    spec, body = _manifold("test_get_market_by_id", "rIR6mWqaO9xKLifr6cLL")
    observation = run_parse(ManifoldSource(), spec, body, as_of=AFTER_MANIFOLD)
    assert observation.market_outcome == "yes"
    assert str(observation.data_date) == "2022-06-15"


def test_manifold_real_open_market_is_not_yet_with_its_close_date(run_parse) -> None:  # type: ignore[no-untyped-def]
    # The first interaction of the cassette is the market before the recorder resolved it.
    spec, body = _manifold("test_resolve_market_free_resonse", "qjwjSMWj1s8Hr21hVbPC", 0)
    with pytest.raises(NotYetError, match="is not resolved") as caught:
        run_parse(ManifoldSource(), spec, body, as_of=AFTER_MANIFOLD)
    assert str(caught.value.expected_by) == "2022-10-18"


@pytest.mark.parametrize(
    ("name", "market_id", "split"),
    [
        (
            "test_resolve_market_free_resonse",
            "qjwjSMWj1s8Hr21hVbPC",
            "FREE_RESPONSE market resolved MKT across answers ('boring' 50%; 'not useful' 50%)",
        ),
        (
            "test_resolve_market_multiple_choice",
            "TEW8dlA3pxk3GalxeQkI",
            "MULTIPLE_CHOICE market resolved MKT across answers "
            "('Harry Potter' 50%; 'Ririsu/Ririto Ibusuki' 50%)",
        ),
    ],
)
def test_manifold_real_multi_answer_mkt_names_the_split(run_parse, name, market_id, split) -> None:  # type: ignore[no-untyped-def]
    # These markets have no resolutionProbability: the split is the market's resolutions map.
    spec, body = _manifold(name, market_id)
    assert "resolutionProbability" not in json.loads(body)
    with pytest.raises(PermanentSourceError) as caught:
        run_parse(ManifoldSource(), spec, body, as_of=AFTER_MANIFOLD)
    message = str(caught.value)
    assert split in message and "resolve this question by hand" in message
    assert "missing field" not in message


def test_manifold_real_pseudo_numeric_resolves_to_its_value(run_parse) -> None:  # type: ignore[no-untyped-def]
    spec, body = _manifold("test_resolve_market_pseudo_numeric", "MIVgHSvQ1s9MRGpm9QUb")
    observation = run_parse(ManifoldSource(), spec, body, as_of=AFTER_MANIFOLD)
    # Not its resolutionProbability (0.7197), which is only the place of 2045 on a log scale.
    assert observation.value == 2045 and observation.market_outcome == "2045.0"


def test_manifold_real_cancelled_market_is_annulled(run_parse) -> None:  # type: ignore[no-untyped-def]
    spec, body = _manifold("test_cancel_market", "H8Dc6yCj4TkvJfoOitYr")
    observation = run_parse(ManifoldSource(), spec, body, as_of=AFTER_MANIFOLD)
    assert observation.market_outcome == "annulled"
    assert str(observation.data_date) == "2022-10-11"


# --- Polymarket: Gamma markets recorded by Argos (fixtures/polymarket/real/PROVENANCE.md)

AFTER_GAMMA = datetime(2026, 8, 19, tzinfo=UTC)


def _gamma(fixture_bytes, name: str) -> tuple[bytes, bytes]:  # type: ignore[no-untyped-def]
    # Recorded from /markets/{id}; the list endpoint the source asks returns the same object
    # in an array (closed=true) and nothing for closed=false.
    market = fixture_bytes(f"polymarket/real/{name}.raw.json")
    return b"[" + market + b"]", b"[]"


def test_polymarket_real_settled_market(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    spec = {"source": "polymarket", "slug": "will-spacex-not-ipo-by-december-31-2027"}
    closed, still_open = _gamma(fixture_bytes, "market_resolved")
    observation = run_parse(PolymarketSource(), spec, closed, still_open, as_of=AFTER_GAMMA)
    assert observation.market_outcome == "no"
    assert "{'Yes': 0.0, 'No': 1.0}" in observation.detail
    assert str(observation.data_date) == "2026-06-12"


def test_polymarket_real_closed_prices_are_not_a_settlement(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    # "Will Trump win the 2020 U.S. presidential election?": closed at 0.99999995 for No, never
    # settled in Gamma. Rounding that to "no" would invent an outcome the source never stated.
    spec = {"source": "polymarket", "slug": "will-trump-win-the-2020-us-presidential-election"}
    closed, still_open = _gamma(fixture_bytes, "market_closed_with_a_price_not_a_resolution")
    with pytest.raises(PermanentSourceError, match="closed on 2020-11-09 and Gamma records no"):
        run_parse(PolymarketSource(), spec, closed, still_open, as_of=AFTER_GAMMA)
    # Shortly after closing, the same state is only not settled yet.
    with pytest.raises(NotYetError, match="not settled"):
        run_parse(
            PolymarketSource(), spec, closed, still_open, as_of=datetime(2020, 11, 21, tzinfo=UTC)
        )


# --- Kalshi: a raw market body recorded by trading-data (fixtures/kalshi/real/PROVENANCE.md)

KALSHI_TICKER = "KXMVECROSSCATEGORY-SHARD1-S2026BCEFC3D1D8F-C711154C121"


def test_kalshi_real_finalized_market_resolves_no(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("kalshi/real/market.json")
    spec = {"source": "kalshi", "ticker": KALSHI_TICKER}
    observation = run_parse(KalshiSource(), spec, body, as_of=AFTER_GAMMA)
    assert observation.market_outcome == "no" and observation.value is None
    assert str(observation.data_date) == "2026-08-24"
    assert f"Kalshi market {KALSHI_TICKER} finalized, result 'no'" in observation.detail
