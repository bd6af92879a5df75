"""The forecaster page a visitor who is not signed in sees is built once and kept until the
ledger moves in a way that could change it or the clock would change a status on it; a
signed-in visitor gets their own. The forecasters index is counted once per ledger head."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

import forecasts.web.pages as pages_module
from forecasts.api import create_app
from forecasts.db.store import Store
from forecasts.domain import Resolution
from forecasts.services import add_question, add_resolution
from forecasts.services.accounts import set_password
from forecasts.services.browsing import claims_of
from forecasts.services.forecaster_page import claims_clock_until, kept_forecaster_page
from forecasts.settings import Settings
from forecasts.timeutils import utc_now
from tests.forecasts.records.conftest import (
    add_forecast,
    make_forecast_input,
    make_question,
    seed,
)

from .test_forms import PASSWORD, _sign_in

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using .httpx. with .starlette.testclient")
    from starlette.testclient import TestClient


def _open_question(store: Store, question_id: str, by: str) -> None:
    """A question open now (closing in ten days, due in twenty) that ``by`` forecast on."""
    now = utc_now()
    closes, due = now + timedelta(days=10), now + timedelta(days=20)
    question = make_question(
        question_id,
        opens_at=(now - timedelta(days=1)).isoformat(),
        closes_at=closes.isoformat(),
        resolve_on=due.date().isoformat(),
    )
    add_question(store, question, as_of=now)
    add_forecast(store, make_forecast_input(question_id, by, made_at=now.isoformat()), as_of=now)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []
    real: Callable[..., Any] = claims_of

    def counted(store: Store, handle: str, **kw: Any) -> Any:
        built.append(handle)
        return real(store, handle, **kw)

    monkeypatch.setattr(pages_module, "claims_of", counted)
    return built


def test_anonymous_forecaster_page_is_built_once_per_ledger_head(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(store)
    _open_question(store, "OPEN1", "alice")
    built = _counting(monkeypatch)
    with TestClient(create_app(Settings(), store=store)) as client:
        first = client.get("/forecasters/alice")
        assert first.status_code == 200
        assert "<td>open</td>" in first.text
        assert client.get("/forecasters/alice").text == first.text
        assert built == ["alice"]
        # Another forecaster's page, and a platform filter, are pages of their own.
        assert client.get("/forecasters/bob").status_code == 200
        assert client.get("/forecasters/alice", params={"platform": "metaculus"}).status_code == 200
        assert built == ["alice", "bob", "alice"]
        # A resolution moves the ledger head: the page is built again and shows it.
        now = utc_now()
        add_resolution(store, Resolution(question_id="OPEN1", outcome="yes", resolved_at=now),
                       as_of=now)  # fmt: skip
        after = client.get("/forecasters/alice").text
        assert "<td>resolved: yes</td>" in after and "<td>open</td>" not in after
        assert built == ["alice", "bob", "alice", "alice"]
        assert client.get("/forecasters/nobody").status_code == 404


def test_signed_in_visitor_gets_a_forecaster_page_built_for_them(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(store)
    set_password(store, "bob", PASSWORD, as_of=utc_now())
    built = _counting(monkeypatch)
    with TestClient(create_app(Settings(), store=store)) as client:
        anonymous = client.get("/forecasters/alice").text
        assert 'id="login-link"' in anonymous
        _sign_in(client, "bob")
        signed_in = client.get("/forecasters/alice").text
        assert "signed in as" in signed_in and 'id="login-link"' not in signed_in
        assert built == ["alice", "alice"]


def test_claims_clock_until_is_the_next_close_or_due_time_of_an_unresolved_claim(
    store: Store,
) -> None:
    seed(store)
    _open_question(store, "OPEN1", "alice")
    now = utc_now()
    question = store.question("OPEN1")
    assert question is not None
    _, claims = claims_of(store, "alice", as_of=now)
    assert claims_clock_until(claims, now) == question.closes_at
    closed = question.closes_at + timedelta(seconds=1)
    assert claims_clock_until(claims, closed) == question.resolves_at
    assert claims_clock_until(claims, question.resolves_at) is None
    # Resolved questions never change status with the clock.
    add_resolution(store, Resolution(question_id="OPEN1", outcome="no", resolved_at=now),
                   as_of=now)  # fmt: skip
    _, claims = claims_of(store, "alice", as_of=now)
    assert claims_clock_until(claims, now) is None


def test_a_kept_forecaster_page_is_built_again_when_the_clock_reaches_its_limit(
    store: Store,
) -> None:
    seed(store)
    _open_question(store, "OPEN1", "alice")
    start = utc_now()
    closes = store.question("OPEN1").closes_at  # type: ignore[union-attr]
    _, claims = claims_of(store, "alice", as_of=start)
    builds: list[int] = []

    def build() -> tuple[str, Any]:
        builds.append(1)
        return f"page {len(builds)}", claims

    def page(at: Any) -> str:
        return kept_forecaster_page(store, "alice", "anonymous", as_of=at, build=build)

    assert page(start) == "page 1"
    assert page(closes - timedelta(seconds=1)) == "page 1"
    assert page(closes) == "page 2"  # OPEN1 closed: its status changed
    assert page(start) == "page 3"  # earlier than the page kept: not served from it


def test_a_kept_forecaster_page_follows_the_ledger_events_that_concern_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(store)
    _open_question(store, "OPEN1", "alice")
    built = _counting(monkeypatch)
    with TestClient(create_app(Settings(), store=store)) as client:

        def alice() -> str:
            return client.get("/forecasters/alice").text

        first = alice()
        # Someone else's forecast on a question alice never forecast: the page stays.
        _open_question(store, "ELSE1", "bob")
        assert alice() == first and built == ["alice"]
        # Someone else's forecast on her question: built again (conservatively).
        now = utc_now()
        add_forecast(store, make_forecast_input("OPEN1", "bob", made_at=now.isoformat()),
                     as_of=now)  # fmt: skip
        assert alice() == first and built == ["alice", "alice"]
        # Her own new forecast: built again, and it shows.
        _open_question(store, "OPEN2", "alice")
        before = alice()
        assert "OPEN2" in before and built == ["alice"] * 3
        # A resolution of a question she never forecast: the count of questions resolved
        # on her page moves.
        resolved = Resolution(question_id="ELSE1", outcome="no", resolved_at=utc_now())
        add_resolution(store, resolved, as_of=utc_now())
        after = alice()
        assert built == ["alice"] * 4
        assert _available(after) == _available(before) + 1


def _available(page: str) -> int:
    found = re.search(r"resolved question\(s\) of (\d+);", page)
    assert found is not None
    return int(found.group(1))


def test_kept_pages_stay_within_their_budget_of_characters() -> None:
    from forecasts.services._lru import Lru

    pages = Lru(10, weigh=len, budget=10)
    pages.put("a", "aaaa")
    pages.put("b", "bbbb")
    pages.put("a", "aa")  # replaced: weighs 2 now
    pages.put("c", "cccc")
    kept = (pages.get("a"), pages.get("b"), pages.get("c"), pages.weight)
    assert kept == ("aa", "bbbb", "cccc", 10)
    pages.put("d", "dd")  # the least recently used ("a" was read first) makes room
    assert pages.get("a") is None and pages.weight == 10
    pages.put("e", "e" * 11)  # heavier than the budget: not kept, and nothing else either
    assert pages.get("e") is None and pages.weight == 0


def test_the_forecasters_index_is_counted_once_per_ledger_head(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from forecasts.db import browse

    seed(store)
    counted: list[int] = []
    real = browse.forecaster_counts

    def counting(store: Store) -> Any:
        counted.append(1)
        return real(store)

    monkeypatch.setattr(browse, "forecaster_counts", counting)
    with TestClient(create_app(Settings(), store=store)) as client:
        first = client.get("/forecasters").text
        assert client.get("/forecasters").text == first
        assert len(counted) == 1
        _open_question(store, "OPEN2", "carol")  # a new forecast: the counts move
        after = client.get("/forecasters").text
        assert after != first and len(counted) == 2
