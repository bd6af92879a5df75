"""Match claims to questions already in a store, so a draft reuses them instead of duplicating.

A question's text for matching is its title, criteria, notes, operationalization and tags,
plus the quotes and phrases of the forecasts recorded on it (how analysts already read
similar statements). A claim matches when enough of its content words appear there, its kind
fits (a quantity claim a numeric question, others binary ones), and the question resolves
inside the claim's time frame. Questions that share a family tag with a strong match (a tag
on some but not all questions) also match when they fit and overlap a little: analysts
operationalize one vague claim as several tagged questions, as the founding example does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from forecasts.domain import Forecast, Question, QuestionKind

from .drafts import default_check_date
from .models import Claim

__all__ = ["QuestionMatch", "match_claim"]

STRONG = 0.3
WEAK = 0.15
_SLACK = timedelta(days=45)
_STOP = frozenset(
    """a an the of to in on at by for from with within between and or but that this these those
    is are was were be been being will would could may might should can it its their his her
    they he she we our us as than then there here which who whom what when where how into over
    under about after before next many much more most some any each also still not no yes do
    does did has have had very just only such per""".split()
)
_TOKEN = re.compile(r"\d{4}-\d{2}-\d{2}|[a-z][a-z0-9]*|\d+(?:\.\d+)?")


def _tokens(text: str) -> set[str]:
    text = text.lower().replace("’", "'").replace("'s", "")
    return {t for t in _TOKEN.findall(text) if t not in _STOP and (len(t) > 2 or t.isdigit())}


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    if a[0].isdigit() or b[0].isdigit():
        return False
    shorter = min(len(a), len(b))
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= 4 and common >= 0.7 * shorter


def _overlap(claim_tokens: set[str], doc: set[str]) -> float:
    if not claim_tokens:
        return 0.0
    hits = sum(1 for t in claim_tokens if t in doc or any(_same(t, d) for d in doc))
    return hits / len(claim_tokens) if hits >= 2 else 0.0


@dataclass(frozen=True)
class QuestionMatch:
    """A question a claim matches, and how well."""

    question_id: str
    score: float


def _claim_text(claim: Claim) -> str:
    parts = [claim.claim, claim.horizon_text or "", claim.probability_text or ""]
    if claim.quantity is not None:
        parts.append(claim.quantity.text)
    return " ".join(parts)


def _fits(claim: Claim, question: Question) -> bool:
    numeric_claim = claim.quantity is not None and claim.probability is None
    if numeric_claim != (question.kind is QuestionKind.NUMERIC):
        return False
    when = question.resolves_at.date()
    made = claim.made_at
    if claim.window_start is not None and claim.resolve_by is not None:
        return claim.window_start - _SLACK <= when <= claim.resolve_by + _SLACK
    end: date = claim.resolve_by or default_check_date(made)
    return made <= when <= end + _SLACK


def _documents(questions: Sequence[Question], forecasts: Iterable[Forecast]) -> dict[str, set[str]]:
    docs: dict[str, list[str]] = {}
    for q in questions:
        op = q.operationalization
        docs[q.id] = [q.title, q.criteria, q.notes or "", *q.tags]
        if op is not None:
            docs[q.id] += [op.note, *op.alternatives]
    for f in forecasts:
        if f.question_id in docs:
            words = [f.provenance.quote or "", f.note or ""]
            if f.verbal is not None:
                words.append(f.verbal.phrase)
            docs[f.question_id] += words
    return {qid: _tokens(" ".join(parts)) for qid, parts in docs.items()}


def match_claim(
    claim: Claim, questions: Sequence[Question], forecasts: Iterable[Forecast] = ()
) -> list[QuestionMatch]:
    """The existing questions ``claim`` belongs to, best first (empty when none fits)."""
    docs = _documents(questions, forecasts)
    wanted = _tokens(_claim_text(claim))
    fitting = [q for q in questions if _fits(claim, q)]
    scores = {q.id: _overlap(wanted, docs[q.id]) for q in fitting}
    strong = {qid for qid, s in scores.items() if s >= STRONG}
    tag_count: dict[str, int] = {}
    for q in questions:
        for tag in q.tags:
            tag_count[tag] = tag_count.get(tag, 0) + 1
    family = {
        tag for q in fitting if q.id in strong for tag in q.tags if tag_count[tag] < len(questions)
    }
    chosen = set(strong)
    for q in fitting:
        if q.id not in chosen and scores[q.id] >= WEAK and family & set(q.tags):
            chosen.add(q.id)
    ranked = sorted(chosen, key=lambda qid: (-scores[qid], qid))
    return [QuestionMatch(qid, round(scores[qid], 3)) for qid in ranked]
