"""lmarena: publication choice, rankings, staleness, paging through a fetcher."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from urllib.parse import parse_qs

import httpx
import pytest

from sources import Fetcher, HttpPolicy, NotYetError, PermanentSourceError
from sources.builtin.lmarena import LmarenaSource, LmarenaSpec

AS_OF = datetime(2026, 4, 1, tzinfo=UTC)
SPEC = {"source": "lmarena", "date": "2026-03-20"}


def test_latest_publication_best_rating_by_country(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    observation = run_parse(
        LmarenaSource(), SPEC, fixture_bytes("lmarena/filter_text_overall.json"), as_of=AS_OF
    )
    assert observation.kind == "ranking" and observation.data_date == date(2026, 3, 18)
    assert observation.ranking == {"US": 1502.0, "CN": 1464.1}
    assert "claude-opus-4-6-thinking (Anthropic)" in observation.detail


def test_by_organization_and_earlier_publication(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("lmarena/filter_text_overall.json")
    observation = run_parse(LmarenaSource(), {**SPEC, "by": "organization"}, body, as_of=AS_OF)
    assert observation.ranking == {
        "Anthropic": 1502.0,
        "Google": 1498.2,
        "Alibaba": 1464.1,
        "DeepSeek": 1455.0,
    }
    earlier = run_parse(LmarenaSource(), {**SPEC, "date": "2026-03-10"}, body, as_of=AS_OF)
    assert earlier.data_date == date(2026, 3, 5) and earlier.ranking == {"US": 1490.0, "CN": 1470.0}


def test_tie_at_top_is_visible_in_the_ranking(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    observation = run_parse(
        LmarenaSource(), SPEC, fixture_bytes("lmarena/tie_at_top.json"), as_of=AS_OF
    )
    assert observation.ranking == {"US": 1500.0, "CN": 1500.0, "FR": 1400.0}
    assert "model-a (OpenAI), model-b (DeepSeek)" in observation.detail


def test_unknown_organization(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("lmarena/unknown_org.json")
    with pytest.raises(PermanentSourceError, match="no country for organization.*Mystery Lab"):
        run_parse(LmarenaSource(), SPEC, body, as_of=AS_OF)
    observation = run_parse(LmarenaSource(), {**SPEC, "unknown_orgs": "ignore"}, body, as_of=AS_OF)
    assert observation.ranking == {"US": 1500.0} and "Mystery Lab" in observation.detail


def _page(*rows: tuple[str, str, float]) -> dict[str, object]:
    return {
        "rows": [
            {
                "row_idx": i,
                "row": {
                    "model_name": model,
                    "organization": org,
                    "rating": rating,
                    "category": "overall",
                    "leaderboard_publish_date": "2026-03-18",
                },
                "truncated_cells": [],
            }
            for i, (model, org, rating) in enumerate(rows)
        ],
        "num_rows_total": len(rows),
    }


def test_unknown_org_policies_and_blank_organizations(run_parse) -> None:  # type: ignore[no-untyped-def]
    # Real slugs (lowercase, dashes) match the mapping file's display names.
    body = _page(
        ("glm-5", "zai", 1456.0),
        ("ling-1t", "ant-group", 1400.0),
        ("claude-opus-4-6", "anthropic", 1500.0),
        ("mystery-model", "thinky", 1420.0),
        ("vicuna-13b", "", 1100.0),
    )
    with pytest.raises(PermanentSourceError, match=r"no country for organization\(s\) thinky"):
        run_parse(LmarenaSource(), SPEC, body, as_of=AS_OF)
    ignored = run_parse(LmarenaSource(), {**SPEC, "unknown_orgs": "ignore"}, body, as_of=AS_OF)
    assert ignored.ranking == {"US": 1500.0, "CN": 1456.0}
    assert "ignored unmapped: thinky" in ignored.detail
    assert "skipped 1 models with a blank organization (best rating 1100)" in ignored.detail
    other = run_parse(LmarenaSource(), {**SPEC, "unknown_orgs": "other"}, body, as_of=AS_OF)
    assert other.ranking == {"US": 1500.0, "CN": 1456.0, "OTHER": 1420.0}


def test_a_left_out_model_at_the_top_sends_the_question_to_review(run_parse) -> None:  # type: ignore[no-untyped-def]
    body = _page(("secret-model", "thinky", 1510.0), ("claude-opus-4-6", "anthropic", 1500.0))
    with pytest.raises(PermanentSourceError, match=r"secret-model \(thinky\); the answer could"):
        run_parse(LmarenaSource(), {**SPEC, "unknown_orgs": "ignore"}, body, as_of=AS_OF)


def test_stale_leaderboard_is_an_annulled_observation(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    observation = run_parse(LmarenaSource(), SPEC, fixture_bytes("lmarena/empty.json"), as_of=AS_OF)
    assert observation.kind == "market" and observation.market_outcome == "annulled"
    assert observation.detail.startswith(
        "stale: no LMArena text/overall publication between 2026-02-18"
    )
    old = run_parse(
        LmarenaSource(),
        {**SPEC, "date": "2026-05-01"},
        fixture_bytes("lmarena/filter_text_overall.json"),
        as_of=datetime(2026, 6, 1, tzinfo=UTC),
    )
    assert old.market_outcome == "annulled"  # 2026-03-18 is more than 30 days before 2026-05-01


def test_not_yet_and_schema_change(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotYetError, match="not final"):
        run_parse(
            LmarenaSource(),
            SPEC,
            fixture_bytes("lmarena/filter_text_overall.json"),
            as_of=datetime(2026, 3, 20, 12, tzinfo=UTC),
        )
    with pytest.raises(PermanentSourceError, match="missing field 'rating'"):
        run_parse(LmarenaSource(), SPEC, fixture_bytes("lmarena/missing_rating.json"), as_of=AS_OF)
    with pytest.raises(PermanentSourceError, match="missing field 'num_rows_total'"):
        run_parse(LmarenaSource(), SPEC, {"error": "The dataset does not exist."}, as_of=AS_OF)


def test_request_filters_category_and_window() -> None:
    spec = LmarenaSpec.model_validate(SPEC)
    (request,) = LmarenaSource().requests(spec, as_of=AS_OF)
    params = dict(request.params)
    assert request.url == "https://datasets-server.huggingface.co/filter"
    assert params["dataset"] == "lmarena-ai/leaderboard-dataset" and params["config"] == "text"
    assert params["split"] == "full" and params["length"] == "100"
    assert params["where"] == (
        "\"category\"='overall' AND \"leaderboard_publish_date\">='2026-02-18'"
        " AND \"leaderboard_publish_date\"<='2026-03-20'"
    )


def test_resolve_pages_through_all_rows() -> None:
    rows = [
        {
            "model_name": f"m{i}",
            "organization": "DeepSeek" if i == 150 else "OpenAI",
            "rating": 1600.0 if i == 150 else 1200.0 + i,
            "category": "overall",
            "leaderboard_publish_date": "2026-03-18",
        }
        for i in range(230)
    ]
    offsets: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.url.query.decode())
        offset, length = int(query["offset"][0]), int(query["length"][0])
        assert length <= 100
        offsets.append(offset)
        page = [
            {"row_idx": i, "row": r, "truncated_cells": []}
            for i, r in enumerate(rows[offset : offset + length])
        ]
        return httpx.Response(
            200, content=json.dumps({"rows": page, "num_rows_total": len(rows)}).encode()
        )

    client = httpx.Client(transport=httpx.MockTransport(handler))
    fetcher = Fetcher(
        client, HttpPolicy(user_agent="sources-tests"), resolver=lambda host, port: ["18.0.0.1"]
    )
    observation, evidence = LmarenaSource().resolve(
        LmarenaSpec.model_validate(SPEC), fetcher, as_of=AS_OF
    )
    assert sorted(offsets) == [0, 100, 200] and len(evidence) == 3
    assert observation.ranking == {"US": 1429.0, "CN": 1600.0}


def test_without_a_date_the_check_day_decides(run_parse, fixture_bytes) -> None:  # type: ignore[no-untyped-def]
    body = fixture_bytes("lmarena/filter_text_overall.json")
    spec = {"source": "lmarena"}
    # Checked on 2026-03-21: the previous day's view, i.e. the 2026-03-18 publication.
    observation = run_parse(LmarenaSource(), spec, body, as_of=datetime(2026, 3, 21, tzinfo=UTC))
    assert observation.data_date == date(2026, 3, 18)
    assert observation.ranking == {"US": 1502.0, "CN": 1464.1}
    # Checked long after the last publication: "not yet", never an annulment.
    with pytest.raises(NotYetError, match="no LMArena text/overall publication"):
        run_parse(LmarenaSource(), spec, body, as_of=datetime(2026, 6, 1, tzinfo=UTC))
