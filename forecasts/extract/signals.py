"""Cues that tell a prediction from a schedule, a plan or a reported fact.

Each cue is a small regular expression over one sentence; :func:`classify` combines them. A
prediction needs something forward-looking that is not under the speaker's control or on a
calendar: a stated probability, a prediction verb (predict, expect, forecast, project,
estimate, warn), or an attributed statement about the future or a trend. Schedules ("will be
held on Friday") and plans ("plans to open") are set aside unless someone *predicts* them;
sentences with only past-tense events and numbers are reported facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["Signals", "Verdict", "classify", "find_trend", "read_signals"]

_FUTURE = re.compile(
    r"\b(?:will|won['’]t|shall|would|could|might|should|going\s+to|(?:is|are)\s+(?:set|poised|"
    r"on\s+(?:track|course)|likely|unlikely|expected|projected|forecast|predicted|bound|"
    r"due)\s+to|(?:is|are)\s+on\s+pace\s+to)\b|\b\w+['’]ll\b|(?<![A-Z])\bmay\b(?!\s+\d)",
)
_PREDICTIVE = re.compile(
    r"\b(?:predict\w*|forecast\w*|expect(?:s|ed|ing|ation|ations)?|project(?:s|ed|ing|ion|ions)|"
    r"estimat\w*|anticipat\w*|foresee\w*|foresaw|reckon\w*|warn(?:s|ed|ing)?|outlook|"
    r"guidance|odds|bet(?:s|ting)?\s+(?:that|on)|sees|see\s+(?:it|them|growth|inflation))\b",
    re.IGNORECASE,
)
_NOT_PREDICTIVE = re.compile(
    r"\b(?:than\s+(?:\w+\s+){0,2}(?:anticipated|expected|forecast|predicted|projected|"
    r"estimated)|as\s+(?:\w+\s+)?(?:expected|predicted|forecast|anticipated)|"
    r"(?:beat|beating|missed|missing|topped|exceeded)\s+(?:\w+\s+){0,3}(?:expectations|"
    r"estimates|forecasts))\b",
    re.IGNORECASE,
)
_SCHEDULE = re.compile(
    r"\b(?:will|would|is\s+(?:set|due|scheduled|slated|expected)\s+to|are\s+(?:set|due|scheduled|"
    r"slated|expected)\s+to)\s+(?:be\s+held|take\s+place|meet|convene|vote\s+on|hold|host|"
    r"begin|start|kick\s+off|be\s+published|publish|release|be\s+released|announce|report|"
    r"unveil|debut|be\s+streamed|be\s+broadcast|air|resume|sit|gather|testify|speak|"
    r"deliver|present|open\s+(?:on|at|its|the)|close\s+(?:on|at))\b|"
    r"\bscheduled\s+(?:for|to|on)\b|\bslated\s+(?:for|to)\b|\bto\s+be\s+held\b|"
    r"\btakes?\s+place\s+(?:on|in|at)\b|\bwill\s+be\s+(?:played|staged|decided)\s+(?:on|at)\b",
    re.IGNORECASE,
)
_PLAN = re.compile(
    r"\b(?:plans?|planned|planning|intends?|intended|aims?|aimed|pledged|vowed|promised|"
    r"committed|decided|agreed|approved|announced|is\s+preparing)\s+(?:to|that|on)\b|"
    r"\bwill\s+(?:invest|hire|build|cut\s+\d|lay\s+off|acquire|buy|sell\s+its|close\s+its|"
    r"open\s+(?:a|an|\d+|new|its)|launch|introduce|spend|relocate|move\s+its|phase\s+out|"
    r"roll\s+out|add\s+\d+|create\s+\d+|ship|offer|donate)\b",
    re.IGNORECASE,
)
_PAST_TIME = re.compile(
    r"\b(?:yesterday|last\s+(?:week|month|year|quarter|season|night|decade|weekend|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)|this\s+(?:week|morning)|"
    r"earlier\s+this\s+(?:week|month|year)|ago|so\s+far\s+this\s+year|to\s+date)\b",
    re.IGNORECASE,
)
_PAST = re.compile(
    r"\b(?:(?:rose|fell|jumped|climbed|dropped|slumped|surged|soared|gained|lost|declined|"
    r"increased|decreased|grew|shrank|posted|reported|recorded|reached|hit|won|beat|closed|"
    r"opened|debuted|listed|raised|sold|enjoyed|signed|completed|announced|launched|"
    r"released|published|delivered|shipped|finished|ended|was|were)\b)",
    re.IGNORECASE,
)
_TREND = re.compile(
    r"\b(?:is|are|has\s+been|have\s+been|keeps|continues\s+to\s+be)\s+(?:\w+ly\s+)?(?:"
    r"shrinking|narrowing|widening|growing|rising|falling|declining|accelerating|slowing|"
    r"closing|increasing|decreasing|improving|worsening|cooling|heating|easing|"
    r"strengthening|weakening|converging|diverging|catching\s+up)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d")

Verdict = Literal["claim", "schedule", "plan", "fact", "none"]


@dataclass(frozen=True)
class Signals:
    """The cues found in one sentence (see the module docstring)."""

    future: bool
    predictive: bool
    schedule: bool
    plan: bool
    past: bool
    past_time: bool
    trend: bool
    number: bool


def read_signals(sentence: str) -> Signals:
    """The cues of ``sentence``; comparisons with past expectations are not predictions."""
    cleaned = _NOT_PREDICTIVE.sub(" ", sentence)
    return Signals(
        future=bool(_FUTURE.search(cleaned)),
        predictive=bool(_PREDICTIVE.search(cleaned)),
        schedule=bool(_SCHEDULE.search(cleaned)),
        plan=bool(_PLAN.search(cleaned)),
        past=bool(_PAST.search(cleaned)),
        past_time=bool(_PAST_TIME.search(cleaned)),
        trend=bool(_TREND.search(cleaned)),
        number=bool(_NUMBER.search(cleaned)),
    )


def find_trend(sentence: str) -> re.Match[str] | None:
    """Where the sentence states a trend ("the gap is shrinking"), if it does."""
    return _TREND.search(sentence)


def classify(
    signals: Signals,
    *,
    attributed: bool,
    has_probability: bool,
    has_horizon: bool,
    has_quantity: bool,
) -> tuple[Verdict, str]:
    """Prediction, schedule, plan, fact, or nothing worth reporting, with the reason.

    >>> s = read_signals("The summit will be held on Friday.")
    >>> classify(s, attributed=False, has_probability=False, has_horizon=True,
    ...          has_quantity=False)
    ('schedule', 'a scheduled event, not a prediction')
    """
    if has_probability:
        return "claim", "a stated probability"
    if signals.schedule and not signals.predictive:
        return "schedule", "a scheduled event, not a prediction"
    if signals.plan and not signals.predictive:
        return "plan", "a stated plan or decision, not a prediction"
    forward = signals.future or has_horizon
    if signals.predictive and (forward or has_quantity or signals.trend):
        if (signals.past or signals.past_time) and not forward and not signals.trend:
            return "fact", "an estimate of something past"
        return "claim", "a prediction or estimate"
    if attributed and forward:
        return "claim", "an attributed statement about the future"
    if attributed and signals.trend:
        return "claim", "an attributed statement about a trend"
    if has_horizon and signals.future and not attributed:
        return "claim", "an unattributed statement about the future"
    if signals.past_time or (signals.past and (signals.number or attributed)):
        return "fact", "a reported fact (past events, no forecast)"
    return "none", ""
