"""``sources`` is publishable on its own: no environment, no application names inside."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

import sources
from sources import FetchRequest, HttpPolicy, PermanentSourceError, load_sources

ROOT = Path(sources.__file__).parent
_ENVIRONMENT = re.compile(r"\bos\.environ\b|\bgetenv\b|\bFORECASTS_|environ\[")


def test_no_module_of_sources_reads_the_environment() -> None:
    files = sorted(ROOT.rglob("*.py"))
    assert len(files) > 15
    offenders = [str(p.relative_to(ROOT)) for p in files if _ENVIRONMENT.search(p.read_text())]
    assert offenders == []


def test_the_entry_point_group_is_the_callers_choice() -> None:
    parameter = inspect.signature(load_sources).parameters["entry_point_group"]
    assert parameter.default is inspect.Parameter.empty
    assert "fred" in load_sources("forecasts.sources").names()


def test_the_user_agent_is_required() -> None:
    with pytest.raises(ValidationError, match="user_agent"):
        HttpPolicy()  # type: ignore[call-arg]
    assert HttpPolicy(user_agent="someone-else/1.0").deadline == 60.0


def test_each_source_receives_only_its_own_credential() -> None:
    registry = load_sources("forecasts.sources", credentials={"fred": "k" * 32, "metaculus": "t"})
    fred = registry.get("fred").auth(FetchRequest(url="https://api.stlouisfed.org/x"))
    metaculus = registry.get("metaculus").auth(FetchRequest(url="https://www.metaculus.com/x"))
    assert fred.secret_params == (("api_key", "k" * 32),) and fred.secret_headers == ()
    assert metaculus.secret_headers == (("Authorization", "Token t"),)
    bare = load_sources("forecasts.sources").get("fred")
    with pytest.raises(PermanentSourceError, match="no credential given to source 'fred'"):
        bare.auth(FetchRequest(url="https://api.stlouisfed.org/x"))


def test_a_url_the_client_cannot_parse_is_a_source_error_naming_it() -> None:
    with pytest.raises(PermanentSourceError, match=r"invalid URL.*http://0177\.0\.0\.1/"):
        FetchRequest(url="http://0177.0.0.1/")
    spec = {"source": "http_json", "url": "http://0177.0.0.1/", "path": "$.x"}
    with pytest.raises(sources.SpecError, match="field 'url': not a valid URL"):
        load_sources("forecasts.sources").parse_spec(spec)
