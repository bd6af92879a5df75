"""The ``llm`` engine against a real local HTTP server replaying recorded chat completions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from forecasts.cli import build_app
from forecasts.settings import SettingsError, load_settings

from .conftest import FakeServer, Reply

# Written for these tests; the recorded answer quotes it (one quote is a paraphrase).
TEXT = (
    "Ana Ruiz, chief economist at Norte Bank, said there is a 70% chance that inflation falls "
    "below 3% by the end of next year. The bank's board will meet on Thursday.\n"
    "Tom Berg, an analyst at Sur Capital, was more cautious. He expects the jobless rate to "
    "reach between 4.2% and 4.6% in 2027.\n"
)


def run_llm(
    server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str
) -> Result:
    monkeypatch.setenv("FORECASTS_LLM_BASE_URL", server.url("/v1"))
    monkeypatch.setenv("FORECASTS_LLM_MODEL", "local-test-model")
    monkeypatch.setenv("FORECASTS_LLM_API_KEY", "test-key")
    source = tmp_path / "article.txt"
    source.write_text(TEXT, encoding="utf-8")
    args = ["extract", str(source), "--engine", "llm", "--date", "2026-01-10", *extra]
    return CliRunner().invoke(build_app(), args)


def test_llm_claims_are_checked_against_the_text(
    fake_server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_server.replay("norte_bank")
    result = run_llm(fake_server, tmp_path, monkeypatch, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [c["speaker"] for c in document["claims"]] == ["Ana Ruiz", "Tom Berg"]
    assert "quote is not in the text" in result.stderr  # the paraphrased one was dropped
    ruiz, berg = document["claims"]
    assert TEXT[ruiz["start"] : ruiz["end"]] == ruiz["quote"]
    # Dates, probabilities and ranges come from the project's readers, not the model.
    assert (ruiz["probability"], ruiz["resolve_by"]) == (0.7, "2027-12-31")
    assert ruiz["question"]["kind"] == "binary" and ruiz["forecast"]["p"] == 0.7
    assert (berg["quantity"]["low"], berg["quantity"]["high"]) == (4.2, 4.6)
    assert berg["question"]["kind"] == "numeric"
    [request] = fake_server.requests
    assert request["model"] == "local-test-model"
    assert request["authorization"] == "Bearer test-key"
    assert request["response_format"] == {"type": "json_object"}
    assert TEXT in request["messages"][1]["content"]


@pytest.mark.parametrize("recording", ["not_json", "wrong_shape"])
def test_an_answer_that_is_not_the_json_asked_for_fails_with_one_line(
    fake_server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recording: str
) -> None:
    fake_server.replay(recording)
    out = tmp_path / "draft.yaml"
    result = run_llm(fake_server, tmp_path, monkeypatch, "--out", str(out))
    assert result.exit_code == 1
    assert "llm: the answer is not the requested JSON" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not out.exists()


def test_an_endpoint_error_fails_with_one_line(
    fake_server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_server.chat.append(Reply(503, b'{"error": "loading model"}'))
    result = run_llm(fake_server, tmp_path, monkeypatch)
    assert result.exit_code == 1 and "answered HTTP 503" in result.stderr


def test_llm_settings_are_required_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FORECASTS_LLM_BASE_URL", raising=False)
    source = tmp_path / "a.txt"
    source.write_text(TEXT, encoding="utf-8")
    args = ["extract", str(source), "--engine", "llm", "--date", "2026-01-10"]
    result = CliRunner().invoke(build_app(), args)
    assert result.exit_code == 2 and "FORECASTS_LLM_BASE_URL: not set" in result.stderr
    monkeypatch.setenv("FORECASTS_LLM_BASE_URL", "ftp://models.local")
    result = CliRunner().invoke(build_app(), args)
    assert result.exit_code == 2
    assert "FORECASTS_LLM_BASE_URL: 'ftp://models.local' is not an http(s) URL" in result.stderr
    with pytest.raises(SettingsError, match="FORECASTS_LLM_TIMEOUT"):
        load_settings({"FORECASTS_LLM_TIMEOUT": "soon"})
