"""The question page keeps its charts and forecast table per ledger head (SQLite and
PostgreSQL): whatever moves the head shows on the next load, and what one visitor may not
see is never served to them from what another could."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from forecasts.api.app import create_app
from forecasts.db.question_page import question_changes, questions_touched
from forecasts.db.store import Store, open_store
from forecasts.domain import Correction, Forecaster, Question, Resolution
from forecasts.inputs import ForecastInput
from forecasts.services import add_correction, add_forecast, add_forecaster, add_resolution
from forecasts.services import question_page as page_service
from forecasts.services.accounts import set_password
from forecasts.services.authoring import create_question
from forecasts.settings import load_settings
from forecasts.timeutils import utc_now
from forecasts.web import pages as pages_module

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using .httpx. with .starlette.testclient")
    from starlette.testclient import TestClient

PASSWORD = "a long enough password"


@pytest.fixture
def web(database_url: str) -> Iterator[tuple[Store, str]]:
    store = open_store(database_url)
    now = utc_now()
    for handle in ("alice", "bob"):
        add_forecaster(store, Forecaster(handle=handle, name=handle.title()), as_of=now)
        set_password(store, handle, PASSWORD, as_of=now)
    yield store, database_url
    store.close()


def _question(store: Store, *, closed: bool, hide: bool = False) -> tuple[str, datetime]:
    """A binary question opened 30 days ago, closed yesterday or closing in 30 days."""
    now = utc_now()
    opens = now - timedelta(days=30)
    closes = now - timedelta(days=1) if closed else now + timedelta(days=30)
    question = Question.model_validate(
        {"id": "Q1", "title": "Did the lake freeze?", "kind": "binary", "opens_at": opens,
         "closes_at": closes, "deadline": closes + timedelta(days=5)}
    )  # fmt: skip
    create_question(store, question, owner="alice", hide_forecasts=hide, as_of=opens)
    return question.id, opens


def _forecast(store: Store, by: str, p: float, made: datetime, note: str | None = None) -> None:
    entry = ForecastInput.model_validate(
        {"question": "Q1", "by": by, "p": p, "made_at": made, "note": note}
    )
    add_forecast(store, entry, as_of=made)


def _sign_in(client: TestClient, handle: str) -> None:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert found is not None
    data = {"handle": handle, "password": PASSWORD, "csrf_token": found.group(1)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303


def _table(html: str) -> str:
    return html.split('id="forecast-table"')[1].split("</table>")[0]


def _crowd_scores(html: str) -> str:
    return html.split('id="crowd-scores"')[1].split("</table>")[0]


def _correct(store: Store, question_id: str, was: str, now: str, by: str, reason: str) -> None:
    correction = Correction(question_id=question_id, previous_outcome=was, outcome=now,
                            corrected_at=utc_now(), by=by, reason=reason)  # fmt: skip
    add_correction(store, correction, as_of=utc_now())


def test_a_new_forecast_resolution_or_correction_shows_on_the_next_load(
    web: tuple[Store, str],
) -> None:
    store, url = web
    question_id, opens = _question(store, closed=True)  # closed: its chart is kept too
    _forecast(store, "alice", 0.4, opens + timedelta(days=1))
    with TestClient(create_app(load_settings(database_url=url))) as client:
        path = f"/questions/{question_id}"
        first = client.get(path).text
        assert client.get(path).text == first  # a second load at the same head: the same page
        assert "Alice: 40%" in first and "Bob" not in first
        assert _table(first).count("<tr>") == 2 and 'id="crowd-scores"' not in first

        _forecast(store, "bob", 0.7, opens + timedelta(days=2))  # as the CLI would
        second = client.get(path).text
        assert "Bob: 70%" in second and _table(second).count("<tr>") == 3
        assert "70%" in _table(second)

        resolved_at = utc_now()
        add_resolution(
            store,
            Resolution(question_id=question_id, outcome="yes", resolved_at=resolved_at,
                       method="manual", by="alice", note="it froze"),
            as_of=resolved_at,
        )  # fmt: skip
        third = client.get(path).text
        assert "<b>yes</b>" in third
        scores = _crowd_scores(third)
        assert scores.count("<tr>") == 3  # header, Alice and Bob
        geo = client.get(path, params={"crowd": "geometric_mean_odds"}).text
        assert "geo. mean odds" in geo and "geo. mean odds" not in third

        _correct(store, question_id, "yes", "no", "alice", "misread the gauge")
        fourth = client.get(path).text
        assert "Corrected" in fourth and "misread the gauge" in fourth
        # Scored against the corrected outcome: Bob's 70% now scores (0.7 - 0)^2.
        scores = _crowd_scores(fourth)
        assert "0.490" in scores and "0.490" not in third.split('id="crowd-scores"')[1]


def test_hidden_forecasts_are_not_served_from_what_their_author_saw(
    web: tuple[Store, str],
) -> None:
    store, url = web
    question_id, opens = _question(store, closed=False, hide=True)
    _forecast(store, "alice", 0.61, opens + timedelta(days=1), note="reason of alice")
    path = f"/questions/{question_id}"
    with (
        TestClient(create_app(load_settings(database_url=url))) as alice,
        TestClient(create_app(load_settings(database_url=url))) as bob,
    ):
        _sign_in(alice, "alice")
        _sign_in(bob, "bob")
        head = store.ledger_head()
        assert "reason of alice" in alice.get(path).text  # she sees every forecast: kept
        page = bob.get(path).text
        assert store.ledger_head() == head  # same head, so the same keys
        assert "reason of alice" not in page and "1 forecast hidden" in page
        assert "Alice" not in _table(page) and "Alice: 61%" not in page
    with TestClient(create_app(load_settings(database_url=url))) as visitor:
        page = visitor.get(path).text
        assert "reason of alice" not in page and "Alice: 61%" not in page


def _other_question(store: Store) -> str:
    now = utc_now()
    question = Question.model_validate(
        {"id": "Q2", "title": "Did the river flood?", "kind": "binary",
         "opens_at": now - timedelta(days=30), "closes_at": now - timedelta(days=1),
         "deadline": now + timedelta(days=4)}
    )  # fmt: skip
    create_question(
        store, question, owner="bob", hide_forecasts=False, as_of=now - timedelta(days=30)
    )
    return question.id


def _resolve_no(store: Store, question_id: str) -> None:
    now = utc_now()
    add_resolution(
        store,
        Resolution(question_id=question_id, outcome="no", resolved_at=now, method="manual",
                   by="bob", note="dry"),
        as_of=now,
    )  # fmt: skip


def test_the_ledger_tells_which_questions_changed_since_a_head(web: tuple[Store, str]) -> None:
    store, _ = web
    question_id, opens = _question(store, closed=True)
    before = store.head_version()
    other = _other_question(store)
    _forecast(store, "alice", 0.4, opens + timedelta(days=1))
    assert questions_touched(store, before, store.head_version()) == {question_id, other}
    middle = store.head_version()
    assert questions_touched(store, middle, middle) == set()
    _resolve_no(store, other)
    assert questions_touched(store, middle, store.head_version()) == {other}
    # A head this ledger never had (another database at the same address): unknown.
    seq = middle.split(":")[0]
    assert questions_touched(store, f"{seq}:{'0' * 64}", store.head_version()) is None
    assert questions_touched(store, store.head_version(), middle) is None


def test_a_page_is_not_read_again_for_events_about_other_questions(
    web: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, url = web
    question_id, opens = _question(store, closed=True)
    other = _other_question(store)
    _forecast(store, "alice", 0.4, opens + timedelta(days=1))
    reads: list[str] = []
    real = page_service.question_rows

    def counted(store: Store, question_id: str) -> object:
        reads.append(question_id)
        return real(store, question_id)

    monkeypatch.setattr(page_service, "question_rows", counted)
    with TestClient(create_app(load_settings(database_url=url))) as client:
        path = f"/questions/{question_id}"
        first = client.get(path).text
        assert reads == [question_id]
        _resolve_no(store, other)
        assert client.get(path).text == first
        assert reads == [question_id]  # kept across the other question's resolution

        _forecast(store, "bob", 0.7, opens + timedelta(days=2))
        second = client.get(path).text
        assert reads == [question_id, question_id] and "Bob: 70%" in second


def test_the_ledger_tells_whether_a_questions_forecasts_changed(web: tuple[Store, str]) -> None:
    store, _ = web
    question_id, opens = _question(store, closed=True)
    other = _other_question(store)
    start = store.head_version()
    _forecast(store, "alice", 0.4, opens + timedelta(days=1))
    _resolve_no(store, other)
    assert question_changes(store, start, store.head_version()) == {
        question_id: True,  # a forecast
        other: False,  # its resolution alone
    }
    middle = store.head_version()
    _resolve_no(store, question_id)
    assert question_changes(store, middle, store.head_version()) == {question_id: False}


def test_after_its_own_resolution_a_page_reads_its_outcome_alone(
    web: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, url = web
    question_id, opens = _question(store, closed=True)
    _forecast(store, "alice", 0.4, opens + timedelta(days=1))
    _forecast(store, "bob", 0.7, opens + timedelta(days=2))
    reads: list[str] = []
    whole, outcome = page_service.question_rows, page_service.outcome_rows

    def counted_whole(store: Store, question_id: str) -> object:
        reads.append("whole")
        return whole(store, question_id)

    def counted_outcome(store: Store, question_id: str) -> object:
        reads.append("outcome")
        return outcome(store, question_id)

    monkeypatch.setattr(page_service, "question_rows", counted_whole)
    monkeypatch.setattr(page_service, "outcome_rows", counted_outcome)
    with TestClient(create_app(load_settings(database_url=url))) as client:
        path = f"/questions/{question_id}"
        first = client.get(path).text
        assert reads == ["whole"] and 'id="crowd-scores"' not in first

        _resolve_no(store, question_id)
        resolved = client.get(path).text
        assert reads == ["whole", "outcome"]  # its forecasts and names were not read again
        assert "<b>no</b>" in resolved and _table(resolved) == _table(first)
        scores = _crowd_scores(resolved)
        assert "0.490" in scores  # Bob's 70% against "no"

        _correct(store, question_id, "no", "yes", "bob", "the gauge was stuck")
        corrected = client.get(path).text
        assert reads == ["whole", "outcome", "outcome"]
        assert "the gauge was stuck" in corrected
        scores = _crowd_scores(corrected)
        assert "0.090" in scores and "0.490" not in scores  # (0.7 - 1)^2

        # A forecast recorded after the resolution (a backdated claim): everything is read.
        _forecast(store, "bob", 0.2, opens + timedelta(days=3), note="late entry")
        late = client.get(path).text
        assert reads[-1] == "whole" and "late entry" in _table(late)


def _csrf(html: str) -> str | None:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return None if found is None else found.group(1)


def test_visitors_who_are_not_signed_in_share_a_page_that_still_shows_every_comment(
    web: tuple[Store, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, url = web
    question_id, opens = _question(store, closed=True)
    _forecast(store, "alice", 0.4, opens + timedelta(days=1))
    views: list[str] = []
    real = pages_module.question_view

    def counted(*args: object, **kwargs: object) -> object:
        views.append("view")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pages_module, "question_view", counted)
    path = f"/questions/{question_id}"
    app = create_app(load_settings(database_url=url))
    with TestClient(app) as visitor, TestClient(app) as other, TestClient(app) as alice:
        first = visitor.get(path).text
        assert other.get(path).text == first and len(views) == 1  # built once, then kept
        assert _csrf(first) is None and "Sign in</a> to forecast" in first

        _sign_in(alice, "alice")
        mine = alice.get(path).text
        token = _csrf(mine)
        assert token is not None and "signed in as" in mine and 'id="comment-form"' in mine
        assert len(views) == 2  # a signed-in visitor's page is built for them
        # What alice was served never reaches a visitor, and the visitor's page never her.
        after = visitor.get(path).text
        assert after == first and token not in after and "signed in as" not in after

        posted = alice.post(
            f"{path}/comment",
            data={"comment": "the gauge was broken", "csrf_token": token},
            follow_redirects=False,
        )
        assert posted.status_code == 303
        commented = other.get(path).text
        assert "the gauge was broken" in commented and "No comments" not in commented
        assert _csrf(commented) is None
        geo = visitor.get(path, params={"crowd": "geometric_mean_odds"}).text
        assert "geo. mean odds" in geo and "the gauge was broken" in geo


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The pages' clock, set by the test (starts now)."""
    moment = [utc_now()]
    monkeypatch.setattr(pages_module, "utc_now", lambda: moment[0])
    return moment


def test_a_kept_page_shows_the_status_of_the_moment_it_is_served(
    web: tuple[Store, str], clock: list[datetime]
) -> None:
    store, url = web
    question_id, opens = _question(store, closed=True)  # deadline in 4 days
    _forecast(store, "alice", 0.4, opens + timedelta(days=1))
    now = clock[0]
    path = f"/questions/{question_id}"
    with TestClient(create_app(load_settings(database_url=url))) as visitor:
        assert "status <b>closed</b>" in visitor.get(path).text
        clock[0] = now + timedelta(days=5)  # past the deadline: due, same ledger head
        assert "status <b>due</b>" in visitor.get(path).text
        clock[0] = now
        assert "status <b>closed</b>" in visitor.get(path).text


def test_an_open_questions_page_is_built_for_each_visit_while_its_chart_moves(
    web: tuple[Store, str], clock: list[datetime]
) -> None:
    store, url = web
    question_id, opens = _question(store, closed=False)  # the history runs up to today
    _forecast(store, "alice", 0.4, opens + timedelta(days=1))
    now = clock[0]
    path = f"/questions/{question_id}"
    with TestClient(create_app(load_settings(database_url=url))) as visitor:
        today = visitor.get(path).text
        clock[0] = now + timedelta(days=10)
        later = visitor.get(path).text
        # The same forecasts, drawn on an axis that moved on with the clock.
        assert _table(later) == _table(today)
        assert later.split('id="forecast-table"')[0] != today.split('id="forecast-table"')[0]
