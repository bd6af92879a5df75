"""``metaculus``: the resolution of a Metaculus question (``/api/posts/{id}/``, token required)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from .._base import FetchRequest, Observation, Source, SourceSpec
from .._errors import NotYetError, PermanentSourceError
from .._evidence import Evidence
from ._common import field, load_json, parse_date, response_for

__all__ = ["METACULUS_API", "MetaculusSource", "MetaculusSpec"]

METACULUS_API = "https://www.metaculus.com/api/posts/"
_ANNULLED = ("ambiguous", "annulled")


class MetaculusSpec(SourceSpec):
    """``{source: metaculus, post_id: 41234}``; ``question_id`` picks a sub-question of a group."""

    source: Literal["metaculus"] = "metaculus"
    post_id: int = Field(gt=0)
    question_id: int | None = Field(None, gt=0)


def _find_question(post: Mapping[str, Any], spec: MetaculusSpec, url: str) -> Mapping[str, Any]:
    candidates: list[Any] = []
    if isinstance(post.get("question"), Mapping):
        candidates.append(post["question"])
    group = post.get("group_of_questions")
    if isinstance(group, Mapping):
        candidates.extend(group.get("questions") or [])
    conditional = post.get("conditional")
    if isinstance(conditional, Mapping):
        candidates.extend(
            conditional[k] for k in ("question_yes", "question_no") if k in conditional
        )
    if spec.question_id is None:
        if isinstance(post.get("question"), Mapping):
            return post["question"]  # type: ignore[no-any-return]
        raise PermanentSourceError(
            f"post {spec.post_id} has no single question; set question_id", url=url
        )
    for question in candidates:
        if isinstance(question, Mapping) and question.get("id") == spec.question_id:
            return question
    raise PermanentSourceError(
        f"question {spec.question_id} is not in post {spec.post_id}", url=url
    )


def _day(value: Any) -> date | None:
    return parse_date(value) if isinstance(value, str) else None


class MetaculusSource(Source[MetaculusSpec]):
    """yes/no -> yes/no; ambiguous/annulled -> annulled; numbers and labels kept as strings."""

    name: ClassVar[str] = "metaculus"
    spec_model: ClassVar[type[SourceSpec]] = MetaculusSpec

    def _request(self, spec: MetaculusSpec) -> FetchRequest:
        return FetchRequest(url=f"{METACULUS_API}{spec.post_id}/")

    def requests(self, spec: MetaculusSpec, *, as_of: datetime) -> list[FetchRequest]:
        return [self._request(spec)]

    def auth(self, request: FetchRequest) -> FetchRequest:
        token = (self._credential or "").strip()
        if not token:
            raise PermanentSourceError(
                "the Metaculus API needs a token: no credential given to source 'metaculus'",
                url=request.public_url,
            )
        return request.with_secrets(headers=[("Authorization", f"Token {token}")])

    def parse(
        self, spec: MetaculusSpec, responses: Mapping[str, Evidence], *, as_of: datetime
    ) -> Observation:
        evidence = response_for(responses, self._request(spec))
        url = evidence.url
        question = _find_question(load_json(evidence), spec, url)
        status = field(question, "status", url=url, where="question")
        resolution = question.get("resolution")
        label = f"Metaculus question {question.get('id', '?')}"
        if status != "resolved" or resolution is None:
            raise NotYetError(
                f"{label} is {status}, not resolved",
                url=url,
                expected_by=_day(question.get("scheduled_resolve_time")),
            )
        value: float | None = None
        if not isinstance(resolution, str | int | float) or isinstance(resolution, bool):
            raise PermanentSourceError(f"unexpected resolution {resolution!r}", url=url)
        text = str(resolution).strip()
        if text.lower() in ("yes", "no"):
            outcome = text.lower()
        elif text.lower() in _ANNULLED:
            outcome = "annulled"
        else:
            outcome = text
            try:
                value = float(text)
            except ValueError:
                value = None
        times = [_day(question.get(k)) for k in ("actual_close_time", "actual_resolve_time")]
        known = [t for t in times if t is not None]
        return Observation(
            kind="market",
            market_outcome=outcome,
            value=value,
            data_date=min(known) if known else None,
            detail=f"{label} (post {spec.post_id}) resolved {text!r} -> {outcome}",
            evidence_urls=[url],
        )
