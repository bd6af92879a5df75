"""The web forms through the app (SQLite and PostgreSQL): sign-in, CSRF refusals that write
nothing, owners and admins resolving, hidden forecasts, quick capture, the session key."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import timedelta

import pytest

from forecasts.api.app import create_app
from forecasts.db.store import Store, open_store
from forecasts.domain import Forecaster
from forecasts.services.accounts import session_secret, set_password
from forecasts.services.recording import add_forecaster
from forecasts.settings import load_settings
from forecasts.timeutils import utc_now

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using .httpx. with .starlette.testclient")
    from starlette.testclient import TestClient

PASSWORD = "a long enough password"


@pytest.fixture
def web(database_url: str) -> Iterator[tuple[Store, str]]:
    store = open_store(database_url)
    now = utc_now()
    for handle in ("alice", "bob", "root"):
        add_forecaster(store, Forecaster(handle=handle, name=handle.title()), as_of=now)
        set_password(store, handle, PASSWORD, admin=handle == "root", as_of=now)
    yield store, database_url
    store.close()


def _client(url: str) -> TestClient:
    return TestClient(create_app(load_settings(database_url=url)))


def _token(client: TestClient, path: str = "/login") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def _sign_in(client: TestClient, handle: str) -> str:
    data = {"handle": handle, "password": PASSWORD, "csrf_token": _token(client)}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    return _token(client, "/")


def _new_question(client: TestClient, token: str, **extra: str) -> str:
    closes = (utc_now() + timedelta(days=10)).date().isoformat()
    data = {"title": "Will it thaw?", "closes": closes, "csrf_token": token, **extra}
    response = client.post("/questions/new", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"]).rsplit("/", 1)[1]


def test_posts_without_a_valid_csrf_token_are_refused_and_write_nothing(
    web: tuple[Store, str],
) -> None:
    store, url = web
    client = _client(url)
    token = _sign_in(client, "alice")
    question_id = _new_question(client, token)
    head = store.ledger_head()
    for bad in ({}, {"csrf_token": "forged"}, {"csrf_token": _token(_client(url))}):
        for path, data in (
            (f"/questions/{question_id}/forecast", {"p": "0.4"}),
            ("/questions/new", {"title": "Will it?", "closes": "2099-01-01"}),
            ("/quick", {"quick": "Will it happen by 2099? 50%"}),
            (f"/questions/{question_id}/resolve", {"outcome": "yes", "resolution_note": "x"}),
        ):
            response = client.post(path, data={**data, **bad})
            assert response.status_code == 403, (path, bad)
    assert store.ledger_head() == head and store.forecasts(question_id=question_id) == []


def test_wrong_password_is_refused_and_a_new_password_ends_old_sessions(
    web: tuple[Store, str],
) -> None:
    store, url = web
    client = _client(url)
    data = {"handle": "alice", "password": "not it at all", "csrf_token": _token(client)}
    response = client.post("/login", data=data)
    assert response.status_code == 401 and "wrong handle or password" in response.text
    token = _sign_in(client, "alice")
    set_password(store, "alice", "a brand new password", as_of=utc_now())
    response = client.post("/questions/new", data={"title": "x", "csrf_token": token})
    assert response.status_code == 401 and "sign in first" in response.text


def test_forecast_forms_for_each_kind_and_field_errors(web: tuple[Store, str]) -> None:
    store, url = web
    client = _client(url)
    token = _sign_in(client, "alice")
    binary = _new_question(client, token)
    choice = _new_question(client, token, kind="multiple_choice", options="red\ngreen\nblue")
    numeric = _new_question(client, token, kind="numeric", unit="cm")
    for question_id, data in (
        (binary, {"p": "very likely"}),
        (binary, {"p": "7:3"}),
        (choice, {"option_0": "50%", "option_1": "0.3", "option_2": "20%"}),
        (numeric, {"quantiles": "0.1:5, 0.5:10, 0.9:20"}),
        (numeric, {"low": "4", "high": "25", "coverage": "0.8"}),
        (numeric, {"mu": "10", "sigma": "3"}),
    ):
        response = client.post(
            f"/questions/{question_id}/forecast", data={**data, "csrf_token": token}
        )
        assert response.status_code == 200, response.text  # followed the redirect
    assert [f.probability for f in store.forecasts(question_id=binary)] == [0.875, 0.7]
    assert store.forecasts(question_id=choice)[0].probabilities == {
        "red": 0.5,
        "green": 0.3,
        "blue": 0.2,
    }
    kinds = [f.distribution.type for f in store.forecasts(question_id=numeric) if f.distribution]
    assert kinds == ["quantiles", "interval", "normal"]
    head = store.ledger_head()
    for question_id, data, field in (
        (binary, {"p": "nearly sure-ish"}, "p"),
        (choice, {"option_0": "50%", "option_1": "30%", "option_2": "30%"}, "forecast"),
        (numeric, {"quantiles": "0.5:10", "mu": "1", "sigma": "2"}, "forecast"),
        (numeric, {"low": "5"}, "high"),
    ):
        response = client.post(
            f"/questions/{question_id}/forecast", data={**data, "csrf_token": token}
        )
        assert response.status_code == 422
        assert f'id="error-{field}"' in response.text or f"Not recorded: {field}:" in response.text
    response = client.post(
        "/questions/new", data={"title": "", "closes": "2099-01-01", "csrf_token": token}
    )
    assert response.status_code == 422 and 'id="error-title"' in response.text
    assert store.ledger_head() == head


def test_only_the_owner_or_an_admin_resolves_or_annuls(web: tuple[Store, str]) -> None:
    store, url = web
    alice, bob, root = _client(url), _client(url), _client(url)
    alice_token, bob_token, root_token = (
        _sign_in(alice, "alice"),
        _sign_in(bob, "bob"),
        _sign_in(root, "root"),
    )
    first, second = _new_question(alice, alice_token), _new_question(alice, alice_token)
    assert 'id="resolve-form"' not in bob.get(f"/questions/{first}").text
    response = bob.post(
        f"/questions/{first}/resolve",
        data={"outcome": "yes", "resolution_note": "Saw it.", "csrf_token": bob_token},
    )
    assert response.status_code == 403 and store.resolution(first) is None
    assert 'id="resolve-form"' in alice.get(f"/questions/{first}").text
    alice.post(
        f"/questions/{first}/resolve",
        data={"outcome": "no", "resolution_note": "Did not.", "csrf_token": alice_token},
    )
    root.post(
        f"/questions/{second}/annul",
        data={"resolution_note": "Ill-posed.", "csrf_token": root_token},
    )
    first_resolution, second_resolution = store.resolution(first), store.resolution(second)
    assert first_resolution is not None and (first_resolution.outcome, first_resolution.by) == (
        "no",
        "alice",
    )
    assert second_resolution is not None and second_resolution.annulled


def test_hidden_forecasts_show_once_you_have_forecast(web: tuple[Store, str]) -> None:
    store, url = web
    alice, bob, visitor = _client(url), _client(url), _client(url)
    alice_token, bob_token = _sign_in(alice, "alice"), _sign_in(bob, "bob")
    question_id = _new_question(alice, alice_token, hide_forecasts="1")
    alice.post(
        f"/questions/{question_id}/forecast",
        data={"p": "0.61", "note": "reason of alice", "csrf_token": alice_token},
    )
    page = bob.get(f"/questions/{question_id}").text
    assert "reason of alice" not in page and "1 forecast hidden" in page
    assert "reason of alice" not in visitor.get(f"/questions/{question_id}").text
    bob.post(f"/questions/{question_id}/forecast", data={"p": "0.3", "csrf_token": bob_token})
    assert "reason of alice" in bob.get(f"/questions/{question_id}").text


def test_quick_capture_creates_question_and_forecast_or_nothing(web: tuple[Store, str]) -> None:
    store, url = web
    client = _client(url)
    token = _sign_in(client, "alice")
    response = client.post(
        "/quick",
        data={"quick": "Will the bridge open by June 2099? 65%", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    question_id = str(response.headers["location"]).rsplit("/", 1)[1]
    question = store.question(question_id)
    assert question is not None and question.deadline is not None
    assert question.deadline.date().isoformat() == "2099-06-30"
    assert [f.probability for f in store.forecasts(question_id=question_id)] == [0.65]
    head = store.ledger_head()
    for text, field in (
        ("Will it open? 65%", "by"),
        ("Will it open by 2099?", "p"),
        ("Will it open by 2001? 65%", "by"),
    ):
        response = client.post("/quick", data={"quick": text, "csrf_token": token})
        assert response.status_code == 422 and f'id="error-{field}"' in response.text
    assert store.ledger_head() == head


def test_the_generated_session_key_is_kept_per_database(web: tuple[Store, str]) -> None:
    store, url = web
    first = session_secret(store, None)
    assert len(first) >= 32 and session_secret(store, None) == first
    assert session_secret(store, "x" * 40) == "x" * 40
    # A second server of the same database accepts the first one's session.
    one, two = _client(url), _client(url)
    _sign_in(one, "alice")
    two.cookies = one.cookies
    assert "signed in as" in two.get("/").text


def test_predict_command(web: tuple[Store, str]) -> None:
    store, url = web
    from typer.testing import CliRunner

    from forecasts.cli import build_app

    runner = CliRunner()
    app = build_app()
    result = runner.invoke(
        app, ["predict", "Will the dam hold by 2099-01-31?", "likely", "--by", "bob", "--db", url]
    )
    assert result.exit_code == 0, result.output
    question_id, forecast_id = result.output.split()
    forecasts = store.forecasts(question_id=question_id)
    assert [(f.id, f.verbal.phrase if f.verbal else None) for f in forecasts] == [
        (forecast_id, "likely")
    ]
    head = store.ledger_head()
    result = runner.invoke(
        app, ["predict", "Will the dam hold by 2099-01-31?", "120%", "--by", "bob", "--db", url]
    )
    assert result.exit_code == 2 and "p: probability must be between 0 and 1" in result.output
    result = runner.invoke(
        app,
        ["forecaster", "passwd", "nobody", "--password-stdin", "--db", url],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 2 and "no forecaster with id 'nobody'" in result.output
    assert store.ledger_head() == head


def test_comments_are_shown_refused_when_empty_and_hidden_with_forecasts(
    web: tuple[Store, str],
) -> None:
    from forecasts.services.authoring import comments_on

    store, url = web
    alice, bob = _client(url), _client(url)
    alice_token, bob_token = _sign_in(alice, "alice"), _sign_in(bob, "bob")
    open_id = _new_question(alice, alice_token)
    hidden_id = _new_question(alice, alice_token, hide_forecasts="1")
    for question_id in (open_id, hidden_id):
        response = alice.post(
            f"/questions/{question_id}/comment",
            data={"comment": "Ice charts say thin.", "csrf_token": alice_token},
        )
        assert response.status_code == 200 and "Ice charts say thin." in response.text
    response = alice.post(
        f"/questions/{open_id}/comment", data={"comment": "   ", "csrf_token": alice_token}
    )
    assert response.status_code == 422 and 'id="error-comment"' in response.text
    response = alice.post(f"/questions/{open_id}/comment", data={"comment": "no token"})
    assert response.status_code == 403
    assert [c.body for c in comments_on(store, open_id)] == ["Ice charts say thin."]
    assert "Ice charts say thin." in bob.get(f"/questions/{open_id}").text
    assert "Ice charts say thin." not in bob.get(f"/questions/{hidden_id}").text
    bob.post(f"/questions/{hidden_id}/forecast", data={"p": "0.5", "csrf_token": bob_token})
    assert "Ice charts say thin." in bob.get(f"/questions/{hidden_id}").text


@pytest.mark.parametrize(
    ("asked", "lands"),
    [
        ("/questions/q1", "/questions/q1"),
        ("//evil.example/x", "/"),
        ("/\\evil.example/x", "/"),
        ("/\t/evil.example/x", "/"),
        ("https://evil.example/", "/"),
    ],
)
def test_sign_in_goes_back_only_to_a_page_of_this_site(
    web: tuple[Store, str], asked: str, lands: str
) -> None:
    _, url = web
    client = _client(url)
    data = {"handle": "alice", "password": PASSWORD, "csrf_token": _token(client), "next": asked}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == lands
