"""Domain invariants: each bad value is refused with a message naming the problem."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from forecasts.domain import (
    Forecast,
    IntervalForecast,
    QuantileForecast,
    Question,
    check_forecast_fits,
    lookup_phrase,
    parse_probability,
    question_status,
)
from forecasts.errors import FieldError
from forecasts.inputs import ForecastInput
from forecasts.timeutils import parse_datetime, parse_duration
from tests.factories import AS_OF, make_forecast_input, make_question


def _forecast(**fields: object) -> Forecast:
    base: dict[str, object] = {
        "id": "f1",
        "question_id": "Q1",
        "forecaster": "alice",
        "made_at": "2026-02-01",
        "recorded_at": "2026-02-01",
    }
    base.update(fields)
    return Forecast.model_validate(base)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.7", 0.7), ("70%", 0.7), ("7:3", 0.7), ("1:1", 0.5), (" 0 ", 0.0), ("100%", 1.0)],
)
def test_probability_forms(text: str, expected: float) -> None:
    assert parse_probability(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.5", "between 0 and 1, got 1.5"),
        ("-0.1", "between 0 and 1"),
        ("nan", "NaN"),
        ("150%", "got 1.5"),
        ("seventy", "not a probability"),
        ("0:0", "0:0"),
    ],
)
def test_bad_probabilities(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_probability(text)


def test_icd203_default_band_and_midpoint() -> None:
    band = lookup_phrase("highly probable")
    assert (band.term, band.low, band.high, band.midpoint) == ("very likely", 0.8, 0.95, 0.875)


def test_ipcc_scale_is_selectable() -> None:
    assert lookup_phrase("very likely", "ipcc").low == 0.9
    assert lookup_phrase("very likely", "icd203").low == 0.8


def test_unknown_phrase_lists_known_ones() -> None:
    with pytest.raises(ValueError) as info:
        lookup_phrase("high likelihood")
    message = str(info.value)
    assert "unknown phrase 'high likelihood'" in message
    assert "very likely" in message and "almost certain" in message


def test_verbal_forecast_stores_phrase_scale_band() -> None:
    entry = make_forecast_input(p=None, said="high likelihood", read_as="very likely")
    forecast = entry.to_forecast(forecast_id="f1", recorded_at=AS_OF)
    assert forecast.probability == 0.875
    assert forecast.verbal is not None
    assert (forecast.verbal.phrase, forecast.verbal.scale, forecast.verbal.term) == (
        "high likelihood",
        "icd203",
        "very likely",
    )
    assert (forecast.verbal.low, forecast.verbal.high) == (0.8, 0.95)


def test_unknown_phrase_without_read_as_is_a_field_error() -> None:
    entry = make_forecast_input(p=None, said="high likelihood")
    with pytest.raises(FieldError, match="said: unknown phrase"):
        entry.to_forecast(forecast_id="f1", recorded_at=AS_OF)


def test_options_must_sum_to_one_and_say_what_they_sum_to() -> None:
    with pytest.raises(ValidationError, match="sum to 1, they sum to 0.9"):
        _forecast(probabilities={"a": 0.5, "b": 0.4})
    ok = _forecast(probabilities={"a": 0.1, "b": 0.2, "c": 0.7})
    assert ok.probabilities is not None


def test_quantiles_must_increase() -> None:
    with pytest.raises(ValidationError, match="levels must increase"):
        QuantileForecast(levels=[0.5, 0.1], values=[1, 2])
    with pytest.raises(ValidationError, match="values must not decrease"):
        QuantileForecast(levels=[0.1, 0.5], values=[3, 2])


def test_interval_reads_as_lognormal_on_log_scale() -> None:
    dist = IntervalForecast(low=10, high=100, coverage=0.9, log_scale=True).as_parametric()
    from statistics import NormalDist

    implied = NormalDist(dist.mulog, dist.sigmalog)  # type: ignore[union-attr]
    import math

    assert implied.cdf(math.log(10)) == pytest.approx(0.05)
    assert implied.cdf(math.log(100)) == pytest.approx(0.95)


def test_question_closes_before_opens_is_refused() -> None:
    with pytest.raises(ValidationError, match="closes_at .* is before opens_at"):
        make_question(opens_at="2026-05-01", closes_at="2026-04-01")


def test_question_needs_exactly_one_of_resolve_on_and_deadline() -> None:
    with pytest.raises(ValidationError, match="exactly one of resolve_on and deadline"):
        make_question(deadline="2026-12-31")
    with pytest.raises(ValidationError, match="exactly one of resolve_on and deadline"):
        make_question(resolve_on=None)


def test_multiple_choice_needs_options() -> None:
    with pytest.raises(ValidationError, match="at least two options"):
        make_question(kind="multiple_choice", options=["only"])


def test_naive_datetimes_are_refused_and_bare_dates_are_utc_midnight() -> None:
    assert parse_datetime("2026-01-10") == datetime(2026, 1, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="no timezone"):
        parse_datetime("2026-01-10T10:00:00")
    with pytest.raises(ValueError, match="not a valid date"):
        parse_datetime("2026-13-45")
    with pytest.raises(ValidationError, match="no timezone"):
        make_question(closes_at=datetime(2026, 12, 1))


def test_durations() -> None:
    assert parse_duration("7d").days == 7
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


def test_forecast_after_close_and_in_future_are_refused() -> None:
    question = make_question(closes_at="2026-03-01")
    late = make_forecast_input(made_at="2026-03-02").to_forecast(forecast_id="f", recorded_at=AS_OF)
    with pytest.raises(ValueError, match="made_at: .* after question Q1 closed"):
        check_forecast_fits(question, late, as_of=AS_OF)
    future = make_forecast_input(made_at="2026-07-01").to_forecast(
        forecast_id="f", recorded_at=AS_OF
    )
    with pytest.raises(ValueError, match="made_at: .* is in the future"):
        check_forecast_fits(make_question(), future, as_of=AS_OF)


def test_forecast_kind_must_match_question() -> None:
    mc = make_question(kind="multiple_choice", options=["x", "y"])
    binary = make_forecast_input().to_forecast(forecast_id="f", recorded_at=AS_OF)
    with pytest.raises(ValueError, match="probabilities: question Q1 is multiple_choice"):
        check_forecast_fits(mc, binary, as_of=AS_OF)
    wrong = make_forecast_input(p=None, options={"x": 0.5, "z": 0.5}).to_forecast(
        forecast_id="f", recorded_at=AS_OF
    )
    with pytest.raises(ValueError, match="missing y; unknown z"):
        check_forecast_fits(mc, wrong, as_of=AS_OF)


def test_exactly_one_form_of_forecast() -> None:
    entry = ForecastInput(question="Q1", by="alice", p="0.5", said="likely")  # type: ignore[arg-type]
    with pytest.raises(FieldError, match="exactly one of p, said"):
        entry.to_forecast(forecast_id="f", recorded_at=AS_OF)


def test_status_moves_from_open_to_due() -> None:
    question: Question = make_question()
    at = parse_datetime
    assert question_status(question, resolved=None, as_of=at("2026-06-01")) == "open"
    assert question_status(question, resolved=None, as_of=at("2026-12-15")) == "closed"
    assert question_status(question, resolved=None, as_of=at("2027-01-01")) == "due"
    assert question_status(question, resolved="yes", as_of=at("2027-01-01")) == "resolved"
    assert question_status(question, resolved="annulled", as_of=at("2027-01-01")) == "annulled"
