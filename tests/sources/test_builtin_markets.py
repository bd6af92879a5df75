"""manifold, metaculus, polymarket, kalshi: pure parsing on fixtures, and secrets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from sources import FetchRequest, NotYetError, PermanentSourceError, SpecError, load_sources
from sources.builtin.fred import FredSource
from sources.builtin.kalshi import KalshiSource
from sources.builtin.manifold import ManifoldSource
from sources.builtin.metaculus import MetaculusSource
from sources.builtin.polymarket import PolymarketSource

AS_OF = datetime(2027, 1, 10, tzinfo=UTC)
Fixture = Callable[[str], bytes]


@pytest.mark.parametrize(
    ("fixture", "outcome", "value"),
    [
        ("resolved_yes.json", "yes", None),
        ("resolved_mkt.json", "0.62", 0.62),
        ("resolved_cancel.json", "annulled", None),
        ("resolved_choice.json", "Google", None),
    ],
)
def test_manifold_resolutions(run_parse, fixture_bytes, fixture, outcome, value) -> None:  # type: ignore[no-untyped-def]
    observation = run_parse(
        ManifoldSource(),
        {"source": "manifold", "market_id": "abc"},
        fixture_bytes(f"manifold/{fixture}"),
        as_of=AS_OF,
    )
    assert observation.kind == "market" and observation.market_outcome == outcome
    assert observation.value == value and observation.data_date == date(2026, 12, 31)


def test_manifold_unhappy_paths(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    spec = {"source": "manifold", "slug": "will-x"}
    with pytest.raises(NotYetError, match="not resolved"):
        run_parse(ManifoldSource(), spec, fixture_bytes("manifold/market_open.json"), as_of=AS_OF)
    with pytest.raises(PermanentSourceError, match="missing field 'isResolved'"):
        run_parse(
            ManifoldSource(), spec, fixture_bytes("manifold/schema_changed.json"), as_of=AS_OF
        )
    with pytest.raises(SpecError, match="exactly one of 'market_id' or 'slug'"):
        load_sources("forecasts.sources").parse_spec({"source": "manifold"})
    request = ManifoldSource().requests(
        ManifoldSource.spec_model.model_validate(spec), as_of=AS_OF
    )[0]  # type: ignore[arg-type]
    assert request.url == "https://api.manifold.markets/v0/slug/will-x"


def test_manifold_multi_answer_mkt_is_named_as_such(run_parse) -> None:  # type: ignore[no-untyped-def]
    # Hand-written in the shape of a free-response market resolved MKT across two answers.
    market = {
        "id": "fr1",
        "outcomeType": "FREE_RESPONSE",
        "isResolved": True,
        "resolution": "MKT",
        "answers": [
            {"id": "a1", "text": "OpenAI", "resolution": "MKT", "resolutionProbability": 0.7},
            {"id": "a2", "text": "Google", "resolution": "MKT", "resolutionProbability": 0.3},
        ],
    }
    with pytest.raises(
        PermanentSourceError,
        match=r"FREE_RESPONSE market resolved MKT across answers \('OpenAI' MKT 0.7; 'Google' "
        r"MKT 0.3\): a split resolution has no single outcome",
    ):
        run_parse(ManifoldSource(), {"source": "manifold", "market_id": "fr1"}, market, as_of=AS_OF)


def test_metaculus_resolutions(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    source = MetaculusSource()
    yes = run_parse(
        source,
        {"source": "metaculus", "post_id": 41234},
        fixture_bytes("metaculus/post_resolved_yes.json"),
        as_of=AS_OF,
    )
    assert yes.market_outcome == "yes" and yes.data_date == date(2026, 12, 31)
    annulled = run_parse(
        source,
        {"source": "metaculus", "post_id": 41235},
        fixture_bytes("metaculus/post_annulled.json"),
        as_of=AS_OF,
    )
    assert annulled.market_outcome == "annulled"
    group = fixture_bytes("metaculus/group_post.json")
    numeric = run_parse(
        source, {"source": "metaculus", "post_id": 50000, "question_id": 50001}, group, as_of=AS_OF
    )
    assert numeric.market_outcome == "42.5" and numeric.value == 42.5
    bound = run_parse(
        source, {"source": "metaculus", "post_id": 50000, "question_id": 50002}, group, as_of=AS_OF
    )
    assert bound.market_outcome == "above_upper_bound" and bound.value is None
    with pytest.raises(PermanentSourceError, match="set question_id"):
        run_parse(source, {"source": "metaculus", "post_id": 50000}, group, as_of=AS_OF)
    with pytest.raises(PermanentSourceError, match="question 9 is not in post 50000"):
        run_parse(
            source, {"source": "metaculus", "post_id": 50000, "question_id": 9}, group, as_of=AS_OF
        )
    with pytest.raises(NotYetError, match="is open, not resolved") as caught:
        run_parse(
            source,
            {"source": "metaculus", "post_id": 41234},
            fixture_bytes("metaculus/post_open_binary.json"),
            as_of=AS_OF,
        )
    assert caught.value.expected_by == date(2027, 1, 1)


def test_metaculus_token_is_the_sources_credential() -> None:
    request = FetchRequest(url="https://www.metaculus.com/api/posts/1/")
    with pytest.raises(PermanentSourceError, match="no credential given to source 'metaculus'"):
        MetaculusSource().auth(request)
    authed = MetaculusSource(credential="tok").auth(request)
    assert authed.secret_headers == (("Authorization", "Token tok"),)
    assert authed.key == request.key and "tok" not in authed.model_dump_json()


def test_fred_key_is_the_sources_credential() -> None:
    request = FetchRequest(url="https://api.stlouisfed.org/fred/series/observations")
    with pytest.raises(PermanentSourceError, match="no credential given to source 'fred'"):
        FredSource().auth(request)
    authed = FredSource(credential="k" * 32).auth(request)
    assert (
        authed.secret_params == (("api_key", "k" * 32),) and authed.public_url == request.public_url
    )


def test_polymarket(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    spec = {"source": "polymarket", "slug": "best-ai-model-end-of-june"}
    empty = fixture_bytes("polymarket/empty_list.json")
    resolved = run_parse(
        PolymarketSource(),
        spec,
        fixture_bytes("polymarket/market_resolved_no.json"),
        empty,
        as_of=AS_OF,
    )
    assert resolved.market_outcome == "no" and resolved.data_date == date(2026, 6, 30)
    fifty = run_parse(
        PolymarketSource(), spec, fixture_bytes("polymarket/market_5050.json"), empty, as_of=AS_OF
    )
    assert fifty.market_outcome == "annulled"
    with pytest.raises(NotYetError, match="disputed"):
        run_parse(
            PolymarketSource(),
            spec,
            empty,
            fixture_bytes("polymarket/market_disputed.json"),
            as_of=AS_OF,
        )
    with pytest.raises(PermanentSourceError, match="no market with slug"):
        run_parse(PolymarketSource(), spec, empty, empty, as_of=AS_OF)
    broken = [
        {
            "slug": spec["slug"],
            "closed": True,
            "umaResolutionStatus": "resolved",
            "outcomes": '["Yes"',
            "outcomePrices": '["1"]',
        }
    ]
    with pytest.raises(PermanentSourceError, match="not a JSON-encoded list"):
        run_parse(PolymarketSource(), spec, broken, empty, as_of=AS_OF)


def test_kalshi(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    spec = {"source": "kalshi", "ticker": "KXEXAMPLE-26DEC31"}
    yes = run_parse(
        KalshiSource(), spec, fixture_bytes("kalshi/market_finalized_yes.json"), as_of=AS_OF
    )
    assert yes.market_outcome == "yes" and yes.data_date == date(2027, 1, 1)
    scalar = run_parse(
        KalshiSource(), spec, fixture_bytes("kalshi/market_scalar.json"), as_of=AS_OF
    )
    assert scalar.value == 0.37 and scalar.market_outcome == "0.37"
    with pytest.raises(NotYetError, match="'active' with result ''"):
        run_parse(KalshiSource(), spec, fixture_bytes("kalshi/market_active.json"), as_of=AS_OF)
    with pytest.raises(PermanentSourceError, match="missing field 'market'"):
        run_parse(KalshiSource(), spec, {"markets": []}, as_of=AS_OF)
    legacy = {"market": {"status": "settled", "result": "scalar", "settlement_value": 42}}
    assert run_parse(KalshiSource(), spec, legacy, as_of=AS_OF).value == 0.42
