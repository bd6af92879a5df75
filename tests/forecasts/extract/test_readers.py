"""The pure readers: sentences, horizons, probabilities, quantities, attribution, signals."""

from __future__ import annotations

from datetime import date

import pytest

from forecasts.extract.attribution import find_attribution
from forecasts.extract.dating import statement_date
from forecasts.extract.horizons import read_horizon
from forecasts.extract.probability import read_probability
from forecasts.extract.quantities import read_quantity
from forecasts.extract.rules import extract_rules
from forecasts.extract.sentences import split_sentences

MADE = date(2026, 1, 10)


def test_sentences_keep_exact_offsets_and_respect_abbreviations() -> None:
    text = 'Dr. Ana Ruiz of the U.S. Fed said so. "It will rise," she said.\nNew line here.'
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Dr. Ana Ruiz of the U.S. Fed said so.",
        '"It will rise," she said.',
        "New line here.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


@pytest.mark.parametrize(
    ("phrase", "window_start", "resolve_by"),
    [
        ("within the next three to five years", date(2029, 1, 10), date(2031, 1, 10)),
        ("prices will rise next year", None, date(2027, 12, 31)),
        ("by the end of the decade", None, date(2029, 12, 31)),
        ("in Q3", None, date(2026, 9, 30)),
        ("in Q1", None, date(2026, 3, 31)),
        ("by March 2027", None, date(2027, 3, 31)),
        ("on 15 June 2028", None, date(2028, 6, 15)),
        ("by 2030", None, date(2030, 12, 31)),
        ("within two years", None, date(2028, 1, 10)),
        ("by mid-2027", None, date(2027, 6, 30)),
        ("in the second half of next year", None, date(2027, 12, 31)),
    ],
)
def test_horizons(phrase: str, window_start: date | None, resolve_by: date) -> None:
    horizon = read_horizon(phrase, MADE)
    assert horizon is not None
    assert (horizon.window_start, horizon.resolve_by) == (window_start, resolve_by)


def test_quarter_already_past_means_next_year_and_past_dates_are_not_horizons() -> None:
    horizon = read_horizon("in Q1", date(2026, 5, 1))
    assert horizon is not None and horizon.resolve_by == date(2027, 3, 31)
    assert read_horizon("sales fell in 2024", MADE) is None


def test_vague_horizon_has_no_date() -> None:
    horizon = read_horizon("it could pay off in the coming years", MADE)
    assert horizon is not None and horizon.vague and horizon.resolve_by is None


@pytest.mark.parametrize(
    ("text", "said", "probability", "band"),
    [
        ("a high likelihood that", "high likelihood", 0.875, (0.8, 0.95)),
        ("it is very likely", "very likely", 0.875, (0.8, 0.95)),
        ("it is unlikely to pass", "unlikely", 0.325, (0.2, 0.45)),
        ("virtually certain to warm", "virtually certain", 0.995, (0.99, 1.0)),
        ("a 30% chance of recession", "30% chance", 0.3, (0.3, 0.3)),
        ("put the odds at 3 in 4", "3 in 4", 0.75, (0.75, 0.75)),
        ("odds of 1 in 10", "odds of 1 in 10", 0.1, (0.1, 0.1)),
        ("a probability of less than 20%", "probability of less than 20%", 0.15, (0.0, 0.2)),
    ],
)
def test_probabilities(text: str, said: str, probability: float, band: tuple[float, float]) -> None:
    reading = read_probability(text)
    assert reading is not None
    assert (reading.text, reading.probability) == (said, probability)
    assert (reading.low, reading.high) == pytest.approx(band)


def test_a_plain_fraction_without_a_chance_word_is_not_a_probability() -> None:
    assert read_probability("3 in 4 voters backed the bill") is None


@pytest.mark.parametrize(
    ("text", "low", "high", "point", "unit", "scale"),
    [
        ("one to two orders of magnitude larger", 10, 100, None, "x", "log"),
        ("between 620 and 1,050 TWh", 620, 1050, None, "TWh", "linear"),
        ("inflation of 2.1% next year", None, None, 2.1, "%", "linear"),
        ("revenue of $10 billion to $11 billion", 10, 11, None, "billion USD", "linear"),
        ("at least 40 seats", 40, None, None, "seats", "linear"),
        ("rise from 2% to 3%", None, None, 3, "%", "linear"),
    ],
)
def test_quantities(
    text: str,
    low: float | None,
    high: float | None,
    point: float | None,
    unit: str,
    scale: str,
) -> None:
    quantity = read_quantity(text)
    assert quantity is not None
    assert (quantity.low, quantity.high, quantity.point) == (low, high, point)
    assert (quantity.unit, quantity.scale) == (unit, scale)


def test_years_are_not_quantities() -> None:
    assert read_quantity("from 2026 to 2030 the plan runs") is None


def test_attribution_patterns() -> None:
    a = find_attribution("Fed Chair Jerome Powell said rates would fall.")
    assert a is not None and (a.speaker, a.role) == ("Jerome Powell", "Fed Chair")
    b = find_attribution('"It will rain," said Jane Doe, a forecaster at the Met Office.')
    assert b is not None and (b.speaker, b.role) == ("Jane Doe", "a forecaster at the Met Office")
    c = find_attribution("According to the International Energy Agency, demand will double.")
    assert c is not None and c.speaker == "International Energy Agency"


def test_pronouns_and_the_bank_resolve_to_the_last_named_speaker() -> None:
    text = (
        "Maria Lopez, an economist at Norte Bank, spoke on Monday. "
        "Maria Lopez said growth was solid. "
        "She expects inflation to fall to 2.5% by the end of next year. "
        "Norte Bank said it would publish its report on Friday. "
        "The bank expects unemployment of 4.1% in 2027."
    )
    claims = extract_rules(text, made_at=MADE).claims
    assert [(c.speaker, c.resolve_by) for c in claims] == [
        ("Maria Lopez", date(2027, 12, 31)),
        ("Norte Bank", date(2027, 12, 31)),
    ]


def test_statement_dates() -> None:
    assert statement_date("Powell said on Tuesday that rates would fall.", MADE) == date(2026, 1, 6)
    assert statement_date("In a speech on 3 January, she said it would.", MADE) == date(2026, 1, 3)
    assert statement_date("The vote will be on Tuesday, he said.", MADE) is None


def test_schedules_plans_and_facts_are_not_predictions() -> None:
    text = (
        "The summit will be held on Friday. "
        "The company plans to open a plant in Ohio next year. "
        "Shares rose 40% this week. "
        "Analysts expect shares to fall 10% by June 2026."
    )
    extraction = extract_rules(text, made_at=MADE)
    assert [c.quote for c in extraction.claims] == [
        "Analysts expect shares to fall 10% by June 2026."
    ]
    kinds = {s.quote: s.kind for s in extraction.not_predictions}
    assert kinds == {
        "The summit will be held on Friday.": "schedule",
        "The company plans to open a plant in Ohio next year.": "plan",
        "Shares rose 40% this week.": "fact",
    }
