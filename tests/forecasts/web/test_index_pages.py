"""/questions search and filters, /forecasters, and the question page's charts, on SQLite and
PostgreSQL; the number of SQL statements a page runs does not grow with its rows."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from forecasts.api import create_app
from forecasts.db.store import Store
from forecasts.domain import Correction, Resolution, question_status
from forecasts.services import (
    add_correction,
    add_forecast,
    add_forecaster,
    add_question,
    add_resolution,
)
from forecasts.services.browsing import forecaster_index, search_questions
from forecasts.services.scores import board
from forecasts.settings import Settings
from forecasts.timeutils import utc_now
from forecasts.vocab import QuestionKind, QuestionStatus
from tests.factories import STILL_OPEN, make_forecast_input, make_forecaster, make_question
from tests.forecasts.records.conftest import seed

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using .httpx. with .starlette.testclient")
    from starlette.testclient import TestClient

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def _library(store: Store) -> None:
    """Questions whose texts test matching: case, %, _, words split across fields."""
    add_forecaster(store, make_forecaster("alice"), as_of=AS_OF)
    specs: dict[str, dict[str, Any]] = {
        "GDP1": {"title": "Will GDP growth exceed 2%?", "tags": ["economy"]},
        "GDP2": {"title": "Inflation next year?", "criteria": "Uses gdp deflator data."},
        "PCT": {"title": "Is 100% renewable power reached?", "tags": ["energy"]},
        "UND": {"title": "Does the snake_case rule hold?", "notes": "under_score in notes"},
        "UNDX": {"title": "Does the snakeXcase rule hold?"},
        "TAG": {"title": "A tagged one", "tags": ["ai"]},
        "TAGX": {"title": "Another tagged one", "tags": ["ai-race", "Économie"]},
        "SPLIT": {"title": "Chips exports?", "criteria": "Counted by the customs office."},
    }
    for qid, fields in specs.items():
        add_question(store, make_question(qid, **fields, **STILL_OPEN), as_of=AS_OF)
    add_forecast(store, make_forecast_input("GDP1", "alice", made_at="2026-06-01"), as_of=AS_OF)


def _ids(store: Store, **filters: Any) -> set[str]:
    found = search_questions(store, as_of=AS_OF, per_page=200, **filters)
    assert found.total == len(found.hits)
    return {hit.id for hit in found.hits}


def test_search_matches_every_word_anywhere_case_insensitively(store: Store) -> None:
    _library(store)
    assert _ids(store, query="gdp") == {"GDP1", "GDP2"}  # title and criteria, any case
    assert _ids(store, query="GDP growth") == {"GDP1"}  # every word must match
    assert _ids(store, query="chips customs") == {"SPLIT"}  # words in different fields
    assert _ids(store, query="100%") == {"PCT"}  # % is a character, not a wildcard
    assert _ids(store, query="%") == {"PCT", "GDP1"}
    assert _ids(store, query="snake_case") == {"UND"}  # _ is not "any character"
    assert _ids(store, query="under_score") == {"UND"}  # notes are searched
    assert _ids(store, query="energy") == {"PCT"}  # tags are searched
    assert _ids(store, query="tagx") == {"TAGX"}  # and ids
    assert _ids(store, query="nothing-like-this") == set()
    assert len(_ids(store)) == 8


def test_tag_kind_and_status_filters(store: Store) -> None:
    _library(store)
    assert _ids(store, tag="ai") == {"TAG"}  # exact tag, not a prefix of "ai-race"
    assert _ids(store, tag="Économie") == {"TAGX"}
    assert _ids(store, tag="ai", query="another") == set()
    add_question(store, make_question("NUM", kind="numeric"), as_of=AS_OF)
    assert _ids(store, kind=QuestionKind.NUMERIC) == {"NUM"}


def test_status_in_sql_agrees_with_the_domain_rule(store: Store) -> None:
    seeded = seed(store)
    for qid, closes, resolves in (
        ("LATE", "2026-05-01", "2026-07-01"),
        ("DUE", "2026-04-01", "2026-05-01"),
        ("OPEN", "2026-09-01", "2026-10-01"),
    ):
        add_question(store, make_question(qid, closes_at=closes, resolve_on=resolves), as_of=AS_OF)
    # a correction to "annulled" wins over the recorded outcome
    add_question(
        store, make_question("CA", closes_at="2026-01-01", resolve_on="2026-01-02"), as_of=AS_OF
    )
    add_resolution(
        store, Resolution(question_id="CA", outcome="yes", resolved_at="2026-01-03"), as_of=AS_OF
    )
    add_correction(
        store,
        Correction(
            question_id="CA",
            previous_outcome="yes",
            outcome="annulled",
            corrected_at="2026-01-04",
            by="tests",
            reason="void",
        ),
        as_of=AS_OF,
    )
    outcomes = store.current_outcomes()
    expected: dict[QuestionStatus, set[str]] = {s: set() for s in QuestionStatus}
    for q in store.questions():
        expected[question_status(q, resolved=outcomes.get(q.id), as_of=seeded.as_of)].add(q.id)
    assert expected[QuestionStatus.DUE] >= {"DUE"} and "CA" in expected[QuestionStatus.ANNULLED]
    assert expected[QuestionStatus.CLOSED] == {"LATE"} and expected[QuestionStatus.OPEN] == {"OPEN"}
    for status, ids in expected.items():
        assert _ids(store, status=status) == ids, status


def test_paging_walks_every_question_once_in_close_order(store: Store) -> None:
    for i in range(23):
        add_question(
            store, make_question(f"P{i:02d}", closes_at=f"2026-{1 + i % 11:02d}-20"), as_of=AS_OF
        )
    seen: list[str] = []
    pages = search_questions(store, as_of=AS_OF, per_page=10).pages
    assert pages == 3
    for page in range(1, pages + 1):
        found = search_questions(store, as_of=AS_OF, page=page, per_page=10)
        assert found.total == 23
        seen += [hit.id for hit in found.hits]
    expected = [q.id for q in sorted(store.questions(), key=lambda q: (q.closes_at, q.id))]
    assert seen == expected


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(), store=store)) as test_client:
        yield test_client


def _linked(html: str) -> set[str]:
    return set(re.findall(r'<td><a href="/questions/([A-Za-z0-9]+)">', html))


def test_questions_page_searches_filters_and_refuses_bad_filters(
    client: TestClient, store: Store
) -> None:
    _library(store)
    page = client.get("/questions", params={"q": "GDP"})
    assert page.status_code == 200 and _linked(page.text) == {"GDP1", "GDP2"}
    assert 'value="GDP"' in page.text
    tagged = client.get("/questions", params={"tag": "ai", "status": "open", "kind": ""})
    assert _linked(tagged.text) == {"TAG"}
    assert '<option value="ai" selected>' in tagged.text
    bad = client.get("/questions", params={"status": "sleeping"})
    assert bad.status_code == 400 and "status: &#39;sleeping&#39; is not one of" in bad.text
    assert client.get("/questions", params={"q": "x" * 201}).status_code == 422
    assert client.get("/questions", params={"q": "a " * 11}).status_code == 400
    assert "<script" not in page.text


def test_questions_page_has_next_and_previous_links(client: TestClient, store: Store) -> None:
    for i in range(55):
        add_question(store, make_question(f"P{i:02d}", tags=["bulk"]), as_of=AS_OF)
    first = client.get("/questions", params={"tag": "bulk"}).text
    assert len(_linked(first)) == 50 and "page 1 of 2" in first
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert next_link is not None
    second = client.get(next_link.group(1).replace("&amp;", "&")).text
    assert len(_linked(second)) == 5 and 'rel="prev"' in second


def test_forecasters_page_counts_and_scores(client: TestClient, store: Store) -> None:
    seed(store)
    add_forecaster(store, make_forecaster("dora", kind="organization"), as_of=AS_OF)
    now = utc_now()
    lines = {line.handle: line for line in forecaster_index(store)}
    ranked = {e.handle: e for e in board(store, as_of=now, intervals=False).entries}
    alice = lines["alice"]
    forecasts = store.forecasts(forecaster="alice")
    assert alice.n_forecasts == len(forecasts)
    assert alice.n_questions == len({f.question_id for f in forecasts})
    outcomes = store.current_outcomes()
    resolved = {
        f.question_id for f in forecasts if outcomes.get(f.question_id, "annulled") != "annulled"
    }
    assert alice.n_resolved == len(resolved)
    assert alice.n_pending == len({f.question_id for f in forecasts} - set(outcomes))
    for handle in ("alice", "bob", "carol"):
        assert lines[handle].brier == pytest.approx(ranked[handle].score, abs=1e-12)
        assert lines[handle].n_scored == ranked[handle].n
    assert lines["dora"].n_forecasts == 0 and lines["dora"].brier is None
    html = client.get("/forecasters").text
    for handle in ("alice", "bob", "carol", "dora"):
        assert f'<a href="/forecasters/{handle}">' in html
    assert f"{ranked['alice'].score:.3f}" in html and "organization" in html


def test_question_page_shows_numeric_values_fan_bars_and_the_crowd(
    client: TestClient, store: Store
) -> None:
    seed(store)
    numeric = client.get("/questions/N1").text
    assert 'id="fan-chart"' in numeric and 'class="outcome"' in numeric
    assert "90% interval 10 to 100, log scale" in numeric
    assert "quantiles 5%: 2, 50%: 5, 95%: 15" in numeric
    assert numeric.count('class="band"') == 3  # 90% and 50% for alice's interval, 90% for bob
    choice = client.get("/questions/M1").text
    assert 'id="option-bars"' in choice and choice.count('class="bar"') == 3
    assert "a: 50%, b: 30%, c: 20%" in choice
    binary = client.get("/questions/B00").text
    assert 'id="forecast-history"' in binary and 'class="crowd"' in binary
    table = binary.split('id="crowd-scores"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + len(
        {f.forecaster for f in store.forecasts(question_id="B00")}
    )
    geo = client.get("/questions/B00", params={"crowd": "geometric_mean_odds"}).text
    assert "geometric mean of the standing forecasts&#39; odds" in geo
    assert client.get("/questions/B00", params={"crowd": "mode"}).status_code == 422


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, *_args: Any) -> None:
        self.n += 1


@contextmanager
def _statements(store: Store) -> Iterator[_Counter]:
    counter = _Counter()
    event.listen(store.engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(store.engine, "before_cursor_execute", counter)


def test_index_pages_run_as_many_statements_for_many_rows_as_for_few(
    client: TestClient, store: Store
) -> None:
    for handle in ("alice", "bob"):
        add_forecaster(store, make_forecaster(handle), as_of=AS_OF)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            add_question(store, make_question(f"Q{i:03d}"), as_of=AS_OF)
            add_forecast(store, make_forecast_input(f"Q{i:03d}", "alice"), as_of=AS_OF)

    counts = []
    for n, start in ((3, 0), (40, 3)):
        add(n, start)
        add_forecaster(store, make_forecaster(f"extra{start}"), as_of=AS_OF)
        with _statements(store) as questions:
            assert client.get("/questions").status_code == 200
        with _statements(store) as people:
            assert client.get("/forecasters").status_code == 200
        counts.append((questions.n, people.n))
    assert counts[0] == counts[1]
